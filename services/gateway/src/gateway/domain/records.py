"""The gateway's records, typed: what it keeps of trainings, models and generations (its
views, folded from events) and of accounts and their API keys."""

from dataclasses import dataclass, field
from datetime import datetime

from gateway.domain.statuses import GenerationStatus, TrainingStatus


@dataclass
class Training:
    training_id: str
    account_id: str
    dataset_id: str
    type: str
    keyword: str
    status: TrainingStatus
    created_at: datetime
    updated_at: datetime
    warnings: list[str] = field(default_factory=list)
    overrides: dict | None = None
    """Preset overrides the user asked for (rank, learning_rate, steps)."""
    reason: str | None = None
    model_id: str | None = None
    progress: dict | None = None
    """step, total_steps, loss, eta_seconds of the latest TrainingProgress."""
    sample_image_key: str | None = None
    report: dict | None = None
    """The dataset service's per-image report."""
    paid_with_free_training: bool | None = None
    credits_charged: int | None = None
    refunded: bool = False
    credits_refunded: int | None = None
    free_training_restored: bool | None = None
    model_deleted: bool = False
    cancel_requested_at: datetime | None = None
    """When its user asked to stop it (the trainer stops it, or it ends first)."""
    steps_run: int | None = None
    """Of a cancelled training: the steps its job ran before it stopped, of `total_steps`
    (what billing's refund follows)."""
    total_steps: int | None = None
    version_of: str | None = None
    """The model this training makes a new version of (None: a new model)."""
    queue_key: float | None = None
    """Where it stands in the trainers' queue once paid (`contracts.queueing`)."""
    base: str | None = None
    """The base model it trains on (a catalog name; None: before the catalog, the default)."""
    duration_s: float | None = None
    """How long its job took, as the trainer measured it (completed trainings)."""


@dataclass
class Model:
    model_id: str
    account_id: str
    training_id: str
    keyword: str
    type: str
    weights_key: str
    created_at: datetime
    thumbnail_key: str | None = None
    deleted: bool = False
    quality: dict | None = None
    """contracts TrainingQuality, as JSON: what the trainer measured the model learned."""
    kohya_weights_key: str | None = None
    """The same LoRA in the kohya layout; None for a model trained before trainers wrote one."""
    family_id: str | None = None
    """The model this is a version of: its first version's `model_id` (None: this is the
    first, or it was made before versions)."""
    version: int = 1
    """1 for the first training under a keyword, then 2, 3, ... for each retraining."""
    base: str | None = None
    """The base model it was trained on (a catalog name; None: before the catalog, the
    default)."""

    @property
    def family(self) -> str:
        """The id that names the model with all its versions."""
        return self.family_id or self.model_id


@dataclass
class Generation:
    generation_id: str
    account_id: str
    model_id: str
    weights_key: str
    keyword: str
    prompt: str
    settings: dict
    """contracts GenerationSettings, as JSON."""
    status: GenerationStatus
    created_at: datetime
    updated_at: datetime
    negative_prompt: str | None = None
    credits_debited: int | None = None
    reason: str | None = None
    refunded: bool = False
    credits_refunded: int | None = None
    images: list[dict] = field(default_factory=list)
    """contracts GeneratedImage, as JSON: key, width, height, seed."""
    withheld: list[dict] = field(default_factory=list)
    """contracts WithheldImage, as JSON: seed, reason (flagged by the safety check)."""
    duration_s: float | None = None
    models: list[dict] = field(default_factory=list)
    """Every model used, `{model_id, keyword, weight}`, the first being `model_id`; empty for
    generations made before several models could be used (then `model_id` alone at 1)."""


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    account_id: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Login:
    """How a person signs in to an account: an email and an argon2id hash (None until the
    person sets a password through a one-time link)."""

    email: str
    account_id: str
    password_hash: str | None = None


@dataclass(frozen=True)
class Session:
    """A signed-in browser. `session_id` is the SHA-256 of the cookie's secret (the secret
    itself is never stored); unsafe requests must also send `csrf_token`."""

    session_id: str
    account_id: str
    email: str
    csrf_token: str
    created_at: float
    expires_at: float
