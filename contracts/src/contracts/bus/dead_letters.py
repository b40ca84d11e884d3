"""The dead-letter stream as consumers, replays and operators use it: park, read, list, drop.

A letter's id is its sequence in that stream: JetStream never renumbers, so an id an
operator saw stays the same letter until it is dropped.
"""

import structlog
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.errors import APIError, NotFoundError
from pydantic import ValidationError

from contracts.bus.dead_letter import DeadLetter
from contracts.bus.topology import Topology

log = structlog.get_logger("aitrain.bus")
NO_MESSAGE = 10057  # JetStream's error code for deleting a sequence that holds nothing


class DeadLetters:
    def __init__(self, broker: NatsBroker, topology: Topology) -> None:
        self.broker = broker
        self.topology = topology
        self.stream = topology.dead_letter_stream

    @property
    def _js(self) -> JetStreamContext:
        return self.broker.config.connection_state.stream

    async def park(self, letter: DeadLetter, msg_id: str) -> int:
        """Store a letter; its id. `msg_id` (Nats-Msg-Id) makes a repeat within the duplicate
        window the same letter."""
        ack = await self._js.publish(
            self.topology.dead_letter_subject(letter.consumer),
            letter.model_dump_json().encode(),
            stream=self.stream,
            headers={"Nats-Msg-Id": msg_id},
        )
        return ack.seq

    async def get(self, letter_id: int) -> DeadLetter | None:
        """The letter with this id; None when there is none (never was, or dropped)."""
        try:
            message = await self._js.get_msg(self.stream, letter_id)
        except NotFoundError:
            return None
        try:
            return DeadLetter.model_validate_json(message.data or b"")
        except ValidationError:  # only services write here, but never fail a listing on it
            log.warning("dead_letter.unreadable", letter_id=letter_id)
            return None

    async def newest(self, limit: int) -> list[tuple[int, DeadLetter]]:
        """Up to `limit` letters with their ids, newest first."""
        state = (await self._js.stream_info(self.stream)).state
        found: list[tuple[int, DeadLetter]] = []
        letter_id = state.last_seq
        while state.messages and letter_id >= state.first_seq and len(found) < limit:
            if (letter := await self.get(letter_id)) is not None:
                found.append((letter_id, letter))
            letter_id -= 1
        return found

    async def delete(self, letter_id: int) -> bool:
        """Drop a letter; False when there was none with this id."""
        try:
            return await self._js.delete_msg(self.stream, letter_id)
        except APIError as exc:
            if exc.err_code == NO_MESSAGE:
                return False
            raise
