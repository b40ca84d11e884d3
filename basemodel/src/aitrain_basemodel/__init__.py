"""The embedded base model: a small text-to-image model pretrained by the project on a
procedural image world, so training and generation run on a CPU and visibly learn."""

from pathlib import Path

COMMITTED_MODEL = Path(__file__).resolve().parents[2] / "weights" / "aitrain-tiny-sd"
"""The committed weights (diffusers layout): the embedded default BASE_MODEL."""
