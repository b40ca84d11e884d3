"""The catalog's bases (contracts.bases), loaded when a job needs one.

One at a time: a GPU holds one real base (FLUX.1 alone is 24 GB in bf16), so a job on
another base puts the loaded one down first. The default base is loaded at start, so the
usual job finds it warm.
"""

import gc
from collections.abc import Callable

import torch
from diffusers import DiffusionPipeline

from contracts.bases import Base, Catalog, NotServed
from contracts.sampling import Sampling
from trainer.engine.base import LoadedBase, load_base
from trainer.engine.families import family_of


class ServedBases:
    def __init__(
        self,
        catalog: Catalog,
        device: torch.device,
        sampling: Sampling,
        load: Callable[..., LoadedBase] = load_base,
    ):
        self.catalog, self.device, self.sampling, self._load = catalog, device, sampling, load
        self.loaded: tuple[str, LoadedBase] | None = None

    def get(self, name: str | None) -> tuple[Base, LoadedBase]:
        """The base called `name` (None: the default), loaded; NotServed for one not served,
        without weights or whose weights are of another family. Blocking: off the loop."""
        entry = self.catalog.loadable(name)
        if self.loaded is None or self.loaded[0] != entry.name:
            self.loaded = None
            gc.collect()
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            self.loaded = (entry.name, self._load_checked(entry))
        return entry, self.loaded[1]

    def _load_checked(self, entry: Base) -> LoadedBase:
        found = family_of(DiffusionPipeline.load_config(entry.weights)).name
        if found != entry.family:
            raise NotServed(
                f"the base model {entry.name!r} is declared {entry.family} but its weights "
                f"are {found}"
            )
        sampling = self.sampling.for_base(entry)  # the previews paint as inference will
        return self._load(
            entry.weights, self.device, sampling, entry.resolution, entry.safety_check
        )
