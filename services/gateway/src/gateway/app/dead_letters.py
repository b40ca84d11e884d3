"""The operator's dead-letter tools: see what the consumers gave up on, have a letter handled
again by the service that owns its consumer, or drop it. Every action is logged."""

import structlog

from contracts.bus import NobodyReplays
from gateway.domain.dead_letters import Letter, Replayed
from gateway.domain.errors import NotFound, Unavailable
from gateway.ports import DeadLetters

log = structlog.get_logger(__name__)
REPLAY_WAIT_S = 25.0
"""How long a replay request waits for the owner's answer (a training takes longer: 202)."""


class DeadLetterDesk:
    def __init__(self, letters: DeadLetters, replay_wait_s: float = REPLAY_WAIT_S):
        self.letters = letters
        self.replay_wait_s = replay_wait_s

    async def newest(self, limit: int) -> list[Letter]:
        return await self.letters.newest(limit)

    async def letter(self, letter_id: int) -> Letter:
        letter = await self.letters.get(letter_id)
        if letter is None:
            raise _not_found(letter_id)
        return letter

    async def replay(self, letter_id: int, by: str) -> Replayed:
        letter = await self.letter(letter_id)
        log.info("dead_letter.replay", by=by, **_facts(letter))
        try:
            answer = await self.letters.replay(letter, self.replay_wait_s)
        except NobodyReplays as exc:
            raise Unavailable(
                f"no process of {letter.owner} answers for its consumer {letter.consumer}: "
                f"start {letter.owner}, then replay letter {letter_id} again"
            ) from exc
        if answer is None:
            log.info("dead_letter.replay_running", letter_id=letter_id)
            return Replayed("running")
        if answer.outcome == "gone":  # replayed or dropped between our read and its
            raise NotFound(f"no dead letter {letter_id}: {answer.reason}")
        log.info(
            "dead_letter.replay_answered",
            letter_id=letter_id,
            outcome=answer.outcome,
            reason=answer.reason,
            new_id=answer.letter_id,
        )
        return Replayed(answer.outcome, answer.reason, answer.letter_id)

    async def drop(self, letter_id: int, by: str) -> None:
        letter = await self.letter(letter_id)
        if not await self.letters.drop(letter_id):  # replayed or dropped meanwhile
            raise _not_found(letter_id)
        # the event inside is gone for good: the log line is what remains of it
        log.warning("dead_letter.dropped", by=by, payload=letter.payload, **_facts(letter))


def _not_found(letter_id: int) -> NotFound:
    return NotFound(
        f"no dead letter {letter_id}: it was handled, replaced or dropped, or never was "
        "(GET /v1/admin/dead-letters lists them)"
    )


def _facts(letter: Letter) -> dict:
    event_type, event_id = letter.event
    return {
        "letter_id": letter.letter_id,
        "consumer": letter.consumer,
        "subject": letter.subject,
        "event_type": event_type,
        "event_id": event_id,
        "reason": letter.reason,
    }
