"""Request images from one to three of the account's models (each with a weight): check
each and that its keyword is in the prompt, save the generation with its GenerationRequested
(one write), publish it. Billing debits (per image, however many models), inference paints;
the facts come back through app/views.py."""

from dataclasses import dataclass
from datetime import UTC, datetime

from contracts.bases import Catalog
from contracts.events import GenerationRequested
from contracts.events.common import GenerationSettings, GenerationSpec, ModelUse
from gateway.app import ids
from gateway.app.models import chosen_model
from gateway.app.moderation import enforce
from gateway.app.outbox import Outbox, outgoing
from gateway.domain import keywords
from gateway.domain.bases import one_base
from gateway.domain.records import Generation
from gateway.domain.statuses import GenerationStatus
from gateway.ports import Generations, Models, Moderation, Trainings

UNSENT = "the platform could not start this generation; nothing was charged, try again"


@dataclass
class RequestGeneration:
    models: Models
    trainings: Trainings
    generations: Generations
    outbox: Outbox
    moderation: Moderation
    catalog: Catalog

    async def __call__(
        self,
        account_id: str,
        request_id: str,
        chosen: list[tuple[str, float, int | None]],
        prompt: str,
        negative_prompt: str | None,
        settings: GenerationSettings,
    ) -> Generation:
        """`chosen`: (model id, weight, version or None for the latest) of each model, the
        first being the main one."""
        uses, versions, bases = [], [], {}
        for model_id, weight, version in chosen:
            model = await chosen_model(self.models, self.trainings, account_id, model_id, version)
            versions.append(model.version)
            bases[model.family] = model.base or self.catalog.default.name
            keywords.require_in_prompt(model.keyword, prompt)
            uses.append(
                ModelUse(
                    model_id=model.model_id,
                    weights_key=model.weights_key,
                    keyword=model.keyword,
                    weight=weight,
                )
            )
        first = uses[0]
        base = one_base(bases, negative_prompt, self.catalog)
        asked = await self.moderation.prompt(account_id, prompt, negative_prompt)
        enforce(asked, "generation", account_id)  # refused: nothing saved, nothing charged
        generation_id = ids.derived("gen", request_id, length=20)
        now = datetime.now(UTC)
        generation = Generation(
            generation_id=generation_id,
            account_id=account_id,
            model_id=first.model_id,
            weights_key=first.weights_key,
            keyword=first.keyword,
            prompt=prompt,
            negative_prompt=negative_prompt,
            settings=settings.model_dump(mode="json"),
            status=GenerationStatus.AWAITING_PAYMENT,
            created_at=now,
            updated_at=now,
            models=[
                use.model_dump(include={"model_id", "keyword", "weight"}) | {"version": version}
                for use, version in zip(uses, versions, strict=True)
            ],
        )
        spec = GenerationSpec(
            model_id=first.model_id,
            weights_key=first.weights_key,
            keyword=first.keyword,
            models=uses,
            prompt=prompt,
            negative_prompt=negative_prompt,
            settings=settings,
            base=base,
        )
        requested = GenerationRequested.new(
            event_id=ids.event_id(generation_id, "requested"),
            account_id=account_id,
            generation_id=generation_id,
            spec=spec,
        )
        out = outgoing(requested)
        if not await self.generations.create(generation, out):  # run before, and it stands
            return await self.generations.get(account_id, generation_id)
        undo = {"status": GenerationStatus.FAILED, "reason": UNSENT}
        await self.outbox.send(self.generations, generation_id, out, undo, UNSENT)
        return generation
