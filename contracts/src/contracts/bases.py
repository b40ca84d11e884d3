"""The base models a deployment serves: its catalog, read by every service from one setting.

An operator lists the bases in `AITRAIN_BASES` (JSON; the first is the default):

    [{"name": "flux-dev", "label": "FLUX.1 [dev]", "family": "flux",
      "weights": "/models/FLUX.1-dev", "resolution": 1024},
     {"name": "sdxl", "label": "SDXL 1.0", "family": "sdxl",
      "weights": "stabilityai/stable-diffusion-xl-base-1.0"}]

A training names its base (none: the default); its model keeps it, and a generation paints
with the base of the models it uses (one base per generation). The gateway checks names and
shows the list, the dataset service prepares photos at the base's size, the trainer and
inference load its weights and train it with its preset table. With no `AITRAIN_BASES` the
catalog is one SD-family base, "default", whose weights are `BASE_MODEL` (how deployments
before the catalog ran, with the embedded small model's presets).
"""

import re
from typing import Literal

from pydantic import Field, model_validator

from contracts.envelope import Schema

Family = Literal["sd", "sdxl", "flux"]
"""sd: Stable Diffusion 1.x/2.x; sdxl: SDXL; flux: FLUX.1."""
Presets = Literal["sd15", "sdxl", "flux", "aitrain-tiny"]
FAMILY_PRESETS: dict[str, Presets] = {"sd": "sd15", "sdxl": "sdxl", "flux": "flux"}
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
DEFAULT_NAME = "default"


class Base(Schema):
    """One base model of the catalog."""

    name: str = Field(pattern=NAME.pattern)
    """How the API names it (`base` of a training): lowercase letters, digits, '.', '_', '-'."""
    family: Family
    """Which architecture: the trainer and inference pick their code by it."""
    label: str = ""
    """What people see (the dashboard's picker); the name when empty."""
    weights: str = ""
    """A diffusers model folder or hub id (read by the trainer and inference only)."""
    resolution: int = Field(default=0, ge=0, le=4096)
    """The side of the square it was trained at, in pixels; 0: the model's own (the UNet's
    sample size; FLUX.1's 1024)."""
    presets: Presets | None = None
    """The trainer's preset table (rank, learning rates, steps per training type): the real
    models' numbers per family, or the embedded small model's ("aitrain-tiny"); None: the
    family's."""
    guidance: float | None = Field(default=None, gt=0, le=30)
    """Guidance scale of its generations and previews (SD 1.5 and SDXL about 7.5, FLUX.1
    [dev] 3.5); None: SAMPLING_GUIDANCE."""
    sampling_steps: int | None = Field(default=None, ge=1, le=200)
    """Denoising steps per image (FLUX.1 [dev] about 28, [schnell] 4); None: SAMPLING_STEPS."""

    training_credits: int | None = Field(default=None, ge=0, le=1_000_000)
    """Credits one training on this base costs (a FLUX.1 job takes a GPU far longer than
    SD 1.5's); None: the deployment's price, BILLING_TRAINING_CREDITS. A free training pays
    for a training on any base."""
    safety_check: bool = True
    """Check every generated image and preview with the base's own safety checker when its
    folder ships one (SD 1.5's `safety_checker/`): a flagged image is withheld and not
    charged. False: deliver without the check."""

    @property
    def preset_table(self) -> Presets:
        return self.presets or FAMILY_PRESETS[self.family]

    @property
    def shown_as(self) -> str:
        return self.label or self.name


class NotServed(LookupError):
    """A base this deployment does not serve (any more), or lists without weights; the
    message says what is served."""


class Catalog(Schema):
    bases: list[Base] = Field(min_length=1)
    """The first one is the default."""

    @model_validator(mode="after")
    def _unique(self) -> "Catalog":
        names = [base.name for base in self.bases]
        if len(set(names)) != len(names):
            raise ValueError(f"base names must be unique: {names}")
        return self

    @property
    def default(self) -> Base:
        return self.bases[0]

    @property
    def names(self) -> list[str]:
        return [base.name for base in self.bases]

    def get(self, name: str | None) -> Base:
        """The base called `name`; the default for None. KeyError for a name not served."""
        if name is None:
            return self.default
        for base in self.bases:
            if base.name == name:
                return base
        raise KeyError(name)

    def loadable(self, name: str | None) -> Base:
        """The base a job names (None: the default), with weights to load; NotServed else."""
        try:
            base = self.get(name)
        except KeyError:
            message = f"the base model {name!r} is not served here; use {', '.join(self.names)}"
            raise NotServed(message) from None
        if not base.weights:
            raise NotServed(
                f"the base model {base.name!r} has no weights: set its `weights` in "
                "AITRAIN_BASES, or BASE_MODEL (a diffusers model id or folder)"
            )
        return base


def catalog_of(setting: str, base_model: str = "") -> Catalog:
    """The catalog an `AITRAIN_BASES` value describes (JSON list of bases), or the single
    "default" base of `BASE_MODEL` when it is empty."""
    if not setting.strip():  # as before the catalog: the presets tuned on the small model
        default = Base(name=DEFAULT_NAME, family="sd", weights=base_model, presets="aitrain-tiny")
        return Catalog(bases=[default])
    return Catalog.model_validate_json(f'{{"bases": {setting}}}')
