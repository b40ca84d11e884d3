"""Replaying dead letters through the real NATS JetStream server (contracts.bus.replay): the
owning consumer's own code handles the letter once more, with the event's own id; what
becomes of the letter follows the verdict."""

import asyncio

import pytest
from bus_helpers import eventually, uploaded

from contracts.bus import DeadLetters, Delivery, NobodyReplays, PermanentError, connect_bus
from contracts.bus.replay import ask
from contracts.events import DatasetUploaded

pytestmark = pytest.mark.integration
WAIT_S = 10.0


class Worker:
    """A consumer whose handler depends on a setting, as a service's does on its config."""

    def __init__(self, url, topology):
        self.bus = connect_bus("svc", url, topology)
        self.bus.produces(DatasetUploaded)
        self.setting = "broken"
        self.done: list[tuple[str, int]] = []
        self.bus.consume("work", {DatasetUploaded: self.handle})
        self.letters = DeadLetters(self.bus.broker, topology)

    async def handle(self, event: DatasetUploaded, delivery: Delivery) -> None:
        await delivery.heartbeat()  # a replay holds no JetStream message: nothing to keep
        if event.keyword == "poison":
            raise PermanentError("this set can never be checked")
        if self.setting == "broken":
            raise ConnectionError("S3: SignatureDoesNotMatch")
        if self.setting == "slow":  # a training
            await asyncio.sleep(1.0)
        self.done.append((event.event_id, delivery.attempt))

    async def parked(self, count: int) -> list:
        found: list = []

        async def enough() -> bool:
            found[:] = await self.letters.newest(10)
            return len(found) >= count

        await eventually(enough)
        return found


@pytest.fixture
async def worker(embedded, topology):
    worker = Worker(embedded.nats_url, topology)
    await worker.bus.start()
    yield worker
    await worker.bus.stop()


async def test_a_letter_parked_by_a_bad_setting_is_handled_once_when_replayed(worker):
    event = uploaded(1)
    await worker.bus.publish(event)
    [(letter_id, letter)] = await worker.parked(1)
    assert letter.reason == "gave up: ConnectionError: S3: SignatureDoesNotMatch"
    worker.setting = "fixed"  # the operator fixed the setting
    answer = await ask(worker.bus, "svc-work", letter_id, WAIT_S)
    assert (answer.outcome, answer.reason) == ("handled", None)
    assert worker.done == [(event.event_id, 1)]  # the event's own id, as attempt 1
    assert await worker.letters.newest(10) == []
    again = await ask(worker.bus, "svc-work", letter_id, WAIT_S)
    assert again.outcome == "gone"
    assert worker.done == [(event.event_id, 1)]


async def test_a_replay_longer_than_the_wait_goes_on_and_ends_the_letter(worker):
    event = uploaded(4)
    await worker.bus.publish(event)
    [(letter_id, _)] = await worker.parked(1)
    worker.setting = "slow"
    assert await ask(worker.bus, "svc-work", letter_id, 0.2) is None  # still running
    await eventually(lambda: worker.done == [(event.event_id, 1)])
    await eventually(lambda: _no_letters(worker))


async def _no_letters(worker) -> bool:
    return await worker.letters.newest(10) == []


async def test_a_transient_failure_keeps_the_letter_for_a_later_replay(worker):
    await worker.bus.publish(uploaded(2))
    [(letter_id, _)] = await worker.parked(1)
    answer = await ask(worker.bus, "svc-work", letter_id, WAIT_S)
    assert answer.outcome == "failed"
    assert answer.reason == "ConnectionError: S3: SignatureDoesNotMatch"
    assert [found_id for found_id, _ in await worker.letters.newest(10)] == [letter_id]


async def test_a_letter_that_fails_again_is_parked_again_under_a_new_id_each_time(worker):
    await worker.bus.publish(uploaded(3).model_copy(update={"keyword": "poison"}))
    [(first_id, first)] = await worker.parked(1)
    ids = [first_id]
    for _ in range(2):  # each re-park needs a Nats-Msg-Id of its own, or JetStream drops it
        answer = await ask(worker.bus, "svc-work", ids[-1], WAIT_S)
        assert answer.outcome == "parked again"
        assert answer.reason == "permanent error: this set can never be checked"
        ids.append(answer.letter_id)
        [(held_id, held)] = await worker.letters.newest(10)
        assert held_id == answer.letter_id
        assert (held.payload, held.stream_sequence) == (first.payload, first.stream_sequence)
    assert len(set(ids)) == 3 and ids == sorted(ids)
    assert held.deliveries == first.deliveries + 2


async def test_nobody_listening_and_an_unknown_letter_are_told_apart(worker, embedded, topology):
    with pytest.raises(NobodyReplays):
        await ask(worker.bus, "trainer-training-charged", 1, WAIT_S)
    answer = await ask(worker.bus, "svc-work", 999, WAIT_S)
    assert answer.outcome == "gone"
