from contracts.settings import ModelSettings
from trainer.domain.pacing import Pacing

SERVICE = "trainer"


class Settings(ModelSettings):
    """Trainer reads the shared endpoints, object storage, BASE_MODEL, SAMPLING_* (for its
    previews) and TORCH_THREADS (contracts.settings)."""

    trainer_report_every_s: float = Pacing.report_every_s
    """TRAINER_REPORT_EVERY_S: at most one TrainingProgress per this many seconds."""
    trainer_sample_every_steps: int = Pacing.sample_every_steps
    """TRAINER_SAMPLE_EVERY_STEPS: a sample image with the progress report at these steps."""
    trainer_checkpoint_every_steps: int = Pacing.checkpoint_every_steps
    """TRAINER_CHECKPOINT_EVERY_STEPS: a resumable checkpoint every this many steps."""

    def pacing(self) -> Pacing:
        return Pacing(
            report_every_s=self.trainer_report_every_s,
            sample_every_steps=self.trainer_sample_every_steps,
            checkpoint_every_steps=self.trainer_checkpoint_every_steps,
        )
