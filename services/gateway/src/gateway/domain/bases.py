"""Which base model a training or a generation is on (contracts.bases): the catalog's name
for one asked for, and the one base the models of a generation share."""

from contracts.bases import Catalog
from gateway.domain.errors import Invalid


def base_of(name: str | None, catalog: Catalog) -> str:
    """The catalog's name for a requested base (None: the default); 422 for another."""
    try:
        return catalog.get(name).name
    except KeyError:
        raise Invalid(f"base must be one of {', '.join(catalog.names)}; got {name!r}") from None


def one_base(bases: dict[str, str], negative_prompt: str | None, catalog: Catalog) -> str:
    """The base model the chosen models (model → its base) paint on: one for all of them, as
    a LoRA adapts the base it was trained on; and a base that reads negative prompts if one
    is given (FLUX.1 is guidance-distilled: it has none)."""
    if len(set(bases.values())) > 1:
        each = ", ".join(f"{model} on {base}" for model, base in bases.items())
        raise Invalid(f"the models must share one base model to paint together: {each}")
    name = next(iter(bases.values()))
    try:
        family = catalog.get(name).family
    except KeyError:
        raise Invalid(f"the base model {name!r} is no longer served here") from None
    if negative_prompt and family == "flux":
        raise Invalid(f"{name} (FLUX.1) takes no negative prompt; leave negative_prompt out")
    return name
