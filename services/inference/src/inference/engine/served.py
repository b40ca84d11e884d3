"""The catalog's bases (contracts.bases), each painted by its own warm pipeline.

One pipeline at a time: a GPU holds one real base, so a request on another base puts the
loaded one (and its adapters) down first. The default base is loaded at start. (Pods that
keep one base warm each need consumers per base: docs/architecture.md, "Base models".)
"""

import gc
from collections.abc import Callable

import torch

from contracts.bases import Base, Catalog
from inference.engine.painter import Painter


class ServedPainters:
    def __init__(self, catalog: Catalog, make: Callable[[Base], Painter]):
        """`make(base)` loads a painter for a catalog entry."""
        self.catalog, self.make = catalog, make
        self.loaded: tuple[str, Painter] | None = None

    def get(self, name: str | None) -> Painter:
        """The painter of the base called `name` (None: the default); NotServed for one not
        served or without weights. Blocking."""
        entry = self.catalog.loadable(name)
        if self.loaded is None or self.loaded[0] != entry.name:
            self.loaded = None
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            self.loaded = (entry.name, self.make(entry))
        return self.loaded[1]

    def current(self) -> Painter | None:
        return self.loaded[1] if self.loaded else None
