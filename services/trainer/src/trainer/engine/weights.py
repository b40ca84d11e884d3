"""Weight files, always safetensors (never pickle): the LoRA users get, and checkpoints.

The LoRA is written by diffusers' own `save_lora_weights` of the base's family, so it is
exactly the layout that pipeline's `load_lora_weights` reads (`unet.…` or `transformer.…`,
with peft's adapter config in the file's metadata); our facts about the model ride along
as `aitrain.*` metadata entries.
"""

import json
import tempfile
from pathlib import Path

import torch
from diffusers.utils import convert_state_dict_to_diffusers
from safetensors.torch import load, save

from trainer.engine.lora import LoraTraining

_STEP, _FINGERPRINT = "aitrain.step", "aitrain.fingerprint"
_ADAPTER = "lora_adapter_metadata"


def lora_file(training: LoraTraining, facts: dict[str, str | int]) -> bytes:
    """The adapters as a diffusers LoRA file, with `facts` in its metadata."""
    adapters = {
        model: {k: v.detach().float().cpu() for k, v in state.items()}
        for model, state in training.adapters().items()
    }
    text_encoder = adapters.get("text_encoder")
    family, denoiser = training.base.family, training.base.family.denoiser
    layers = {
        f"{denoiser}_lora_layers": adapters[denoiser],
        f"{denoiser}_lora_adapter_metadata": _adapter_metadata(training.base.denoiser),
    }
    if text_encoder:
        layers |= {
            "text_encoder_lora_layers": convert_state_dict_to_diffusers(text_encoder),
            "text_encoder_lora_adapter_metadata": _adapter_metadata(training.text_encoder),
        }
    with tempfile.TemporaryDirectory() as folder:
        family.pipeline.save_lora_weights(folder, **layers)
        written = (Path(folder) / "pytorch_lora_weights.safetensors").read_bytes()
    metadata = metadata_of(written)
    metadata.update({f"aitrain.{key}": str(value) for key, value in facts.items()})
    # canonical: diffusers writes the adapter config's keys, and sometimes "format", in a
    # way that changes from process to process; identical runs must write identical files
    metadata["format"] = "pt"
    if adapter := metadata.get(_ADAPTER):
        metadata[_ADAPTER] = json.dumps(json.loads(adapter), indent=2, sort_keys=True)
    return canonical(save(load(written), metadata=metadata))


def _adapter_metadata(model: torch.nn.Module) -> dict:
    """peft's adapter config with its sets sorted: a set of strings comes out in another
    order in every process (string hashing), and identical runs must write identical files."""
    config = model.peft_config["default"].to_dict()
    return {k: sorted(v) if isinstance(v, set) else v for k, v in config.items()}


def canonical(data: bytes) -> bytes:
    """The same file with its JSON header's keys sorted: safetensors writes metadata in hash
    order, which changes from process to process. Offsets are relative to the data, which
    stays as it is; the header is padded with spaces to 8 bytes, as safetensors does."""
    length = int.from_bytes(data[:8], "little")
    header = json.dumps(json.loads(data[8 : 8 + length]), sort_keys=True, separators=(",", ":"))
    header += " " * (-len(header) % 8)
    return len(header).to_bytes(8, "little") + header.encode() + data[8 + length :]


def read_facts(data: bytes) -> dict[str, str]:
    """The `aitrain.*` metadata of a LoRA file."""
    metadata = metadata_of(data)
    return {k.removeprefix("aitrain."): v for k, v in metadata.items() if k.startswith("aitrain.")}


def checkpoint_file(tensors: dict[str, torch.Tensor], step: int, fingerprint: str) -> bytes:
    return save(tensors, metadata={_STEP: str(step), _FINGERPRINT: fingerprint})


def read_checkpoint(data: bytes, fingerprint: str) -> tuple[dict[str, torch.Tensor], int] | None:
    """The checkpoint's tensors and step, or None when it belongs to another plan."""
    metadata = metadata_of(data)
    if metadata.get(_FINGERPRINT) != fingerprint:
        return None
    return load(data), int(metadata[_STEP])


def metadata_of(data: bytes) -> dict[str, str]:
    """A safetensors file's metadata: its header is 8 bytes of length, then JSON."""
    length = int.from_bytes(data[:8], "little")
    return dict(json.loads(data[8 : 8 + length]).get("__metadata__") or {})


def fingerprint(**facts) -> str:
    """What must match for a checkpoint to be resumed: same data, same plan, same base."""
    return json.dumps(facts, sort_keys=True)
