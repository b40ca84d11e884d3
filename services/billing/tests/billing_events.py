"""Billing's input events as the other services would publish them, for tests."""

import uuid

from contracts.events import (
    CreditsPurchased,
    DatasetValidated,
    GenerationFailed,
    GenerationRequested,
    ImageGenerated,
    SubscriptionRequested,
    TrainingCancelled,
    TrainingFailed,
)
from contracts.events.common import (
    DatasetReport,
    GenerationSettings,
    GenerationSpec,
    TrainingSpec,
)
from contracts.events.generation import GeneratedImage, WithheldImage
from contracts.safety import FLAGGED


def _id() -> str:
    return uuid.uuid4().hex[:12]


def purchased(account: str, credits: int) -> CreditsPurchased:
    return CreditsPurchased.new(
        account_id=account, purchase_id=f"pur-{_id()}", credits=credits, reason="test top-up"
    )


def subscribed(account: str, plan: str) -> SubscriptionRequested:
    return SubscriptionRequested.new(account_id=account, request_id=f"sub-{_id()}", plan=plan)


def validated(
    account: str, training_id: str | None = None, base: str | None = None
) -> DatasetValidated:
    spec = TrainingSpec(
        training_type="object", keyword="customcupmodel", images=[], dataset_hash="h", base=base
    )
    return DatasetValidated.new(
        account_id=account,
        training_id=training_id or f"trn-{_id()}",
        dataset_id=f"ds-{_id()}",
        spec=spec,
        report=DatasetReport(),
    )


def requested(account: str, images: int = 1, generation_id: str | None = None):
    spec = GenerationSpec(
        model_id="mdl-1",
        weights_key="accounts/a/models/mdl-1/lora.safetensors",
        keyword="customcupmodel",
        prompt="customcupmodel on a table",
        settings=GenerationSettings(num_outputs=images),
    )
    return GenerationRequested.new(
        account_id=account, generation_id=generation_id or f"gen-{_id()}", spec=spec
    )


def training_failed(account: str, training_id: str) -> TrainingFailed:
    return TrainingFailed.new(account_id=account, training_id=training_id, reason="GPU lost")


def training_cancelled(account: str, training_id: str, steps_run: int, total: int = 400):
    return TrainingCancelled.new(
        account_id=account, training_id=training_id, steps_run=steps_run, total_steps=total
    )


def generation_failed(account: str, generation_id: str) -> GenerationFailed:
    return GenerationFailed.new(account_id=account, generation_id=generation_id, reason="OOM")


def generated(account: str, generation_id: str, delivered: int, withheld: int) -> ImageGenerated:
    """The images of a generation, `withheld` of them stopped by the safety check."""
    images = [
        GeneratedImage(key=f"accounts/{account}/generations/{generation_id}/{n}.png", width=64,
                       height=64, seed=n)
        for n in range(delivered)
    ]  # fmt: skip
    stopped = [WithheldImage(seed=100 + n, reason=FLAGGED) for n in range(withheld)]
    return ImageGenerated.new(
        account_id=account, generation_id=generation_id, model_id="mdl-1", images=images,
        withheld=stopped, duration_s=1.0,
    )  # fmt: skip
