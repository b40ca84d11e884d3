"""The operator's dead letters (admin token): list, show, replay through the owning service,
drop. A letter's id is its sequence in the dead-letter stream."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gateway.api.auth import Admin, Use
from gateway.api.errors import RESPONSES
from gateway.domain.dead_letters import Letter, Replayed

router = APIRouter(prefix="/v1/admin", tags=["operators"], responses=RESPONSES)
LetterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The letter's id.")]


class LetterSummary(BaseModel):
    id: int
    """The letter's id: its sequence in the dead-letter stream."""
    consumer: str
    """The durable consumer that gave up on the event (`<service>-<name>`)."""
    subject: str
    event_type: str | None
    """From the payload; null when it does not say (a malformed payload)."""
    event_id: str | None
    deliveries: int
    """How often it was tried."""
    reason: str
    """Why it was parked: the last error."""
    failed_at: datetime


class LetterDetail(LetterSummary):
    payload: str
    """The message as it was published."""


class ReplayResult(BaseModel):
    id: int
    outcome: Literal["handled", "parked again", "failed", "running"]
    reason: str | None = None
    """Why it was parked again, or failed."""
    new_id: int | None = None
    """Parked again: the id of the letter that replaces this one."""
    next_step: str


def summary(letter: Letter) -> LetterSummary:
    event_type, event_id = letter.event
    return LetterSummary(
        id=letter.letter_id,
        consumer=letter.consumer,
        subject=letter.subject,
        event_type=event_type,
        event_id=event_id,
        deliveries=letter.deliveries,
        reason=letter.reason,
        failed_at=letter.failed_at,
    )


def next_step(letter_id: int, replayed: Replayed) -> str:
    match replayed.outcome:
        case "handled":
            return "nothing: it was handled and the letter is gone"
        case "parked again":
            return f"see why in reason, fix it, then replay letter {replayed.new_id}, or drop it"
        case "failed":
            return f"a transient error: the letter stays; replay letter {letter_id} again later"
        case _:
            return "its service is still handling it; the letter goes away once it is handled"


@router.get("/dead-letters")
async def list_dead_letters(
    who: Admin, gateway: Use, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[LetterSummary]:
    """The dead letters, newest first."""
    return [summary(letter) for letter in await gateway.dead_letters.newest(limit)]


@router.get("/dead-letters/{letter_id}")
async def show_dead_letter(letter_id: LetterId, who: Admin, gateway: Use) -> LetterDetail:
    letter = await gateway.dead_letters.letter(letter_id)
    return LetterDetail(**summary(letter).model_dump(), payload=letter.payload)


@router.post(
    "/dead-letters/{letter_id}/replay",
    response_model=ReplayResult,
    responses={202: {"model": ReplayResult, "description": "still being handled (a training)"}},
)
async def replay_dead_letter(
    letter_id: LetterId, request: Request, who: Admin, gateway: Use
) -> JSONResponse:
    """The service owning the letter's consumer handles it again (the event keeps its id, so
    it is done at most once): 200 once it ended, 202 while it takes longer."""
    replayed = await gateway.dead_letters.replay(letter_id, by=_operator(request))
    body = ReplayResult(
        id=letter_id,
        outcome=replayed.outcome,
        reason=replayed.reason,
        new_id=replayed.new_id,
        next_step=next_step(letter_id, replayed),
    )
    status = 202 if replayed.outcome == "running" else 200
    return JSONResponse(body.model_dump(), status_code=status)


@router.delete("/dead-letters/{letter_id}", status_code=204)
async def drop_dead_letter(
    letter_id: LetterId, request: Request, who: Admin, gateway: Use
) -> Response:
    """Drop a letter for good (its event is never handled by that consumer)."""
    await gateway.dead_letters.drop(letter_id, by=_operator(request))
    return Response(status_code=204)


def _operator(request: Request) -> str:
    """Who, for the log: the admin token names no person, so the address it came from."""
    address = request.client.host if request.client else "unknown"
    return f"admin from {address}"
