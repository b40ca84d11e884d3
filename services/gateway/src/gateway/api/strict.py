"""A write refuses what it does not understand. An unknown query parameter, form field or
JSON field of a POST, PUT, PATCH or DELETE is a 422 naming it, and the name meant when one is
close (as Stripe does), never silently ignored: `dry_run=true` sent as a form field once
started a paid training. Reads may carry what they like (cache busters).

- JSON bodies: every request model is `Strict` (pydantic forbids extra fields; `errors.py`
  adds the name meant);
- query parameters: `refuse_unknown_query` runs before every route (the app's dependency);
- form fields: the training upload checks its own with `unknown`.
"""

import difflib
from collections.abc import Iterable

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KIND = {"query": "query parameter", "form": "form field"}


class Strict(BaseModel):
    """A request body: a field it does not declare is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


def meant(name: str, known: Iterable[str]) -> str:
    """`; did you mean 'x'?` when a known name is close, else the known names."""
    known = sorted(known)
    if close := difflib.get_close_matches(name, known, n=1):
        return f"; did you mean {close[0]!r}?"
    return f"; known: {', '.join(known)}" if known else "; it takes none"


def unknown(
    given: Iterable[str], known: Iterable[str], where: str, queries: Iterable[str] = ()
) -> list[dict]:
    """A validation error for each name in `given` not in `known`; `queries`: this route's
    query parameters, named as such when one is sent in the wrong place."""
    known, queries = set(known), set(queries)
    errors = []
    for name in given:
        if name in known:
            continue
        if name in queries:
            said = f"{name!r} is a query parameter: add it to the URL (?{name}=…)"
        else:
            said = f"unknown {KIND[where]} {name!r}{meant(name, known)}"
        errors.append({"type": "unknown_field", "loc": [where, name], "msg": said})
    return errors


def query_names(request: Request) -> set[str]:
    """The query parameters the route that matched declares."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    return _declared(dependant) if dependant else set()


def _declared(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    return names.union(*(_declared(sub) for sub in dependant.dependencies))


async def refuse_unknown_query(request: Request) -> None:
    if request.method not in WRITES:
        return
    if errors := unknown(request.query_params.keys(), query_names(request), "query"):
        raise RequestValidationError(errors)
