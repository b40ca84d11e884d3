"""The dead-letter stream and replays over the bus (contracts.bus.dead_letters, .replay).

The gateway reads and drops letters itself; a replay it only asks for: the service owning
the consumer handles the letter, since the gateway may not publish other services' events.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from faststream.exceptions import IncorrectState
from nats.errors import Error as NatsError

from contracts.bus import DeadLetter, DeadLetters, EventBus, ReplayAnswer, replay
from gateway.domain.dead_letters import Letter
from gateway.domain.errors import Unavailable


class BusDeadLetters:
    def __init__(self, bus: EventBus):
        self.bus = bus
        self.letters = DeadLetters(bus.broker, bus.topology)

    async def newest(self, limit: int) -> list[Letter]:
        with _bus_answers():
            found = await self.letters.newest(limit)
        return [_letter(letter_id, letter) for letter_id, letter in found]

    async def get(self, letter_id: int) -> Letter | None:
        with _bus_answers():
            letter = await self.letters.get(letter_id)
        return _letter(letter_id, letter) if letter else None

    async def drop(self, letter_id: int) -> bool:
        with _bus_answers():
            return await self.letters.delete(letter_id)

    async def replay(self, letter: Letter, wait_s: float) -> ReplayAnswer | None:
        with _bus_answers():
            return await replay.ask(self.bus, letter.consumer, letter.letter_id, wait_s)


@contextmanager
def _bus_answers() -> Iterator[None]:
    try:
        yield
    except (NatsError, TimeoutError, IncorrectState) as exc:
        raise Unavailable(
            f"the bus does not answer now ({type(exc).__name__}); nothing was changed, try again"
        ) from exc


def _letter(letter_id: int, letter: DeadLetter) -> Letter:
    return Letter(
        letter_id=letter_id,
        consumer=letter.consumer,
        subject=letter.subject,
        deliveries=letter.deliveries,
        reason=letter.reason,
        failed_at=letter.failed_at,
        payload=letter.payload,
    )
