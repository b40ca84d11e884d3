"""Replaying a dead letter: the service that owns its consumer handles it once more.

An operator's request (the gateway's admin API) asks `<prefix>_replay.<durable>` over core
NATS with the letter's id. Every process of the owning service listens on its durables'
replay subjects in a queue group, so one of them takes it: it reads the letter, runs it
through the very code its consumer runs (`Subscription.handle`) as attempt 1 with nothing to
keep leased, and answers once handling ends:
- handled: the letter is deleted;
- parked again (malformed, a `PermanentError`): a letter with the new reason replaces it;
- failed (a transient error): the letter stays, to be replayed later.
The event keeps its event_id, so an idempotent handler does its work at most once.

Why not publish the event again on the event stream: every other subscriber would see it
twice, and the gateway may publish no other service's events (contracts.bus.permissions).
"""

from datetime import UTC, datetime
from typing import Literal

import structlog
from faststream.nats.annotations import NatsMessage
from nats.errors import NoRespondersError
from pydantic import Field

from contracts.bus import policy
from contracts.bus.dead_letter import DeadLetter
from contracts.bus.delivery import Delivery
from contracts.bus.subscription import Subscription
from contracts.envelope import Schema

log = structlog.get_logger("aitrain.bus")

Outcome = Literal["handled", "parked again", "failed", "gone"]


class ReplayRequest(Schema):
    letter_id: int = Field(description="The dead letter's id: its dead-letter stream sequence.")


class ReplayAnswer(Schema):
    outcome: Outcome
    """gone: no such letter of this consumer (dropped, or replayed meanwhile)."""
    reason: str | None = None
    """Why it was parked again or failed."""
    letter_id: int | None = None
    """Parked again: the id of the letter that replaces it."""


class NobodyReplays(Exception):
    """No process of the service owning the consumer listens (it is not running)."""


def answer(bus, subscription: Subscription) -> None:
    """Listen on the replay subject of `subscription`'s durable (one process answers each)."""
    durable = subscription.durable

    async def on_request(msg: NatsMessage) -> dict:
        try:
            letter_id = ReplayRequest.model_validate_json(msg.body).letter_id
            with structlog.contextvars.bound_contextvars(consumer=durable, replay=letter_id):
                replayed = await replay(subscription, letter_id)
        except Exception as exc:  # the asker always gets an answer, never a silent timeout
            log.exception("dead_letter.replay_failed", consumer=durable)
            replayed = ReplayAnswer(outcome="failed", reason=f"{type(exc).__name__}: {exc}")
        return replayed.model_dump(mode="json")

    bus.broker.subscriber(
        bus.topology.replay_subject(durable),
        queue=durable,
        title=f"{bus.service}:replay:{durable}",
        description=f"Handle a dead letter of {durable} once more (contracts.bus.replay).",
    )(on_request)


async def replay(subscription: Subscription, letter_id: int) -> ReplayAnswer:
    """Run the letter through the consumer's own decode → handle → verdict code."""
    letters = subscription.letters
    letter = await letters.get(letter_id)
    if letter is None or letter.consumer != subscription.durable:
        return ReplayAnswer(outcome="gone", reason=f"no dead letter {letter_id} of this consumer")
    answered: list[ReplayAnswer] = []

    async def settle(verdict: policy.Verdict) -> None:
        match verdict:
            case policy.Ack():
                await letters.delete(letter_id)
                answered.append(ReplayAnswer(outcome="handled"))
            case policy.Retry(reason=reason):
                answered.append(ReplayAnswer(outcome="failed", reason=reason))
            case policy.Park(reason=reason):
                again = _parked_again(letter, reason)
                # a Nats-Msg-Id of its own: the first letter's would be a duplicate JetStream drops
                msg_id = f"{letter.consumer}:{letter.stream_sequence}:replay-{letter_id}"
                new_id = await letters.park(again, msg_id)
                await letters.delete(letter_id)
                answered.append(
                    ReplayAnswer(outcome="parked again", reason=reason, letter_id=new_id)
                )
        log.info("dead_letter.replayed", outcome=answered[-1].outcome)

    limits = subscription.topology.consumers
    delivery = Delivery(None, attempt=1, ack_wait_s=limits.ack_wait_s)
    await subscription.handle(letter.subject, letter.payload.encode(), delivery, settle)
    return answered[-1]


def _parked_again(letter: DeadLetter, reason: str) -> DeadLetter:
    return letter.model_copy(
        update={
            "deliveries": letter.deliveries + 1,
            "reason": reason,
            "failed_at": datetime.now(UTC),
        }
    )


async def ask(bus, consumer: str, letter_id: int, wait_s: float) -> ReplayAnswer | None:
    """Ask the owner of `consumer` to replay its letter; the answer, or None when it is still
    handling it after `wait_s` (a training). Raises NobodyReplays when no process listens."""
    subject = bus.topology.replay_subject(consumer)
    request = ReplayRequest(letter_id=letter_id).model_dump(mode="json")
    try:
        reply = await bus.broker.request(request, subject, timeout=wait_s)
    except NoRespondersError as exc:
        raise NobodyReplays(f"nothing listens on {subject}") from exc
    except TimeoutError:
        return None
    return ReplayAnswer.model_validate_json(reply.body)
