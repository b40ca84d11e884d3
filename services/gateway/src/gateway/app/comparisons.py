"""Compare a model's versions: the same prompt, settings and seed painted by each version, a
generation per version, billed as any generation (per image).

The balance is checked first, so a comparison is not cut short halfway by a refused debit;
billing still decides each debit.
"""

import hashlib
from dataclasses import dataclass

from contracts.bus import QueryFailed
from contracts.events.common import GenerationSettings
from gateway.app.generations import RequestGeneration
from gateway.app.models import pick, versions_of
from gateway.domain.errors import Conflict, PaymentRequired
from gateway.domain.records import Generation
from gateway.ports import Billing, Models

MAX_COMPARED = 4
"""Versions in one comparison (the latest ones when the request names none)."""
IMAGE_CREDITS = 5
"""The price of an image when billing does not say (an older billing)."""


@dataclass(frozen=True)
class Comparison:
    model_id: str
    seed: int
    credits: int
    """What it costs in all (each generation is debited on its own)."""
    generations: list[tuple[int, Generation]]
    """(version, its generation), in the order asked."""


def seed_of(request_id: str) -> int:
    """The seed a comparison picks: from its request, so a retry paints the same picture."""
    return int.from_bytes(hashlib.sha256(request_id.encode()).digest()[:4], "big")


@dataclass
class CompareVersions:
    models: Models
    billing: Billing
    request_generation: RequestGeneration

    async def __call__(
        self,
        account_id: str,
        request_id: str,
        model_id: str,
        versions: list[int] | None,
        prompt: str,
        negative_prompt: str | None,
        settings: GenerationSettings,
    ) -> Comparison:
        live = await versions_of(self.models, account_id, model_id)
        family = live[0].family
        if versions is None:
            compared = live[-MAX_COMPARED:]
        else:
            compared = [pick(live, model_id, version) for version in versions]
        if len(compared) < 2:
            raise Conflict(
                f"{family} has one version, so there is nothing to compare it with; retrain it "
                "first (POST /v1/trainings with version_of)"
            )
        credits = await self._covered(account_id, settings.num_outputs * len(compared))
        seed = settings.seed if settings.seed is not None else seed_of(request_id)
        same = settings.model_copy(update={"seed": seed})
        generations = []
        for model in compared:
            chosen = [(model.model_id, 1.0, model.version)]
            generation = await self.request_generation(
                account_id, f"{request_id}/v{model.version}", chosen, prompt, negative_prompt, same
            )
            generations.append((model.version, generation))
        return Comparison(family, seed, credits, generations)

    async def _covered(self, account_id: str, images: int) -> int:
        """The price of `images`; PaymentRequired when the balance is short of it."""
        try:
            account = await self.billing.account(account_id)
        except QueryFailed:  # billing refuses each debit it cannot cover anyway
            return images * IMAGE_CREDITS
        credits = images * (account.image_credits or IMAGE_CREDITS)
        if account.credits < credits:
            raise PaymentRequired(
                f"this comparison takes {credits} credits ({images} images) and you have "
                f"{account.credits}; buy credits or compare fewer versions"
            )
        return credits
