"""Object keys and ids derived from the training id, so a redelivered job writes the same
objects and announces the same model: the same TrainingCharged twice makes one model."""

from contracts.ids import stable_uuid


def model_id(training_id: str) -> str:
    return f"mdl_{stable_uuid('model', training_id).hex}"


def weights_key(account_id: str, model: str) -> str:
    return f"accounts/{account_id}/models/{model}/lora.safetensors"


def kohya_weights_key(account_id: str, model: str) -> str:
    """The same LoRA in the kohya layout (engine/kohya.py), for ComfyUI and AUTOMATIC1111."""
    return f"accounts/{account_id}/models/{model}/lora.kohya.safetensors"


def sample_key(account_id: str, model: str, step: int) -> str:
    return f"accounts/{account_id}/models/{model}/samples/step-{step:05d}.png"


def checkpoint_key(account_id: str, training_id: str) -> str:
    return f"{job_prefix(account_id, training_id)}checkpoint.safetensors"


def job_prefix(account_id: str, training_id: str) -> str:
    """Where a job keeps what it needs only while it runs (its checkpoint)."""
    return f"accounts/{account_id}/trainings/{training_id}/"


def model_prefix(account_id: str, model: str) -> str:
    return f"accounts/{account_id}/models/{model}/"
