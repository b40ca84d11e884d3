"""Records and events the gateway's tests build."""

from datetime import UTC, datetime

from contracts.events import DatasetUploaded, TrainingCompleted
from contracts.events.training import TrainingMetrics
from gateway.domain.records import Generation, Training
from gateway.domain.statuses import GenerationStatus, TrainingStatus

ROOT = {"account_id": "acct-v", "correlation_id": "c-1"}
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def training(training_id: str = "trn-1", keyword: str = "zxq", account_id: str = "acct-v"):
    return Training(
        training_id, account_id, "ds-1", "object", keyword, TrainingStatus.VALIDATING, NOW, NOW,
        warnings=["a warning"], overrides={"rank": 8},
    )  # fmt: skip


def generation(generation_id: str = "gen-1", status=GenerationStatus.AWAITING_PAYMENT):
    return Generation(
        generation_id, "acct-v", "mdl-1", "w.safetensors", "zxq", "a zxq", {"seed": 1}, status,
        NOW, NOW,
    )  # fmt: skip


def uploaded(training_id: str = "trn-1") -> DatasetUploaded:
    return DatasetUploaded.new(
        **ROOT,
        training_id=training_id,
        dataset_id="ds-1",
        training_type="object",
        keyword="zxq",
        images=[],
    )


def completed(training_id: str = "trn-1", model_id: str = "mdl-1") -> TrainingCompleted:
    return TrainingCompleted.new(
        **ROOT,
        training_id=training_id,
        model_id=model_id,
        training_type="object",
        keyword="zxq",
        base_model="tiny",
        weights_key="w",
        sample_image_keys=["s.png"],
        metrics=TrainingMetrics(final_loss=0.1, duration_s=1, steps_per_s=1, peak_memory_mb=1),
    )
