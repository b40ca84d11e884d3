"""The gateway's use cases on in-memory ports: what the outbox guarantees when the bus or the
process fails, and how plan changes wait for billing."""

import io

import pytest
from gateway_records import ROOT, completed

from contracts.events import AccountChanged, DatasetRejected, DatasetUploaded, ModelDeleted
from contracts.events.common import DatasetReport
from gateway import fakes
from gateway.app import account_changes
from gateway.app.gateway import build
from gateway.app.trainings import UploadedFile
from gateway.domain.errors import Conflict, Unavailable
from gateway.domain.facts import model_of
from gateway.domain.statuses import TrainingStatus

FIELDS = {"type": "object", "keyword": "zxq"}


def images(n: int = 15) -> list[UploadedFile]:
    return [UploadedFile(f"{i}.jpg", io.BytesIO(b"x%d" % i), 2) for i in range(n)]


@pytest.fixture
def world():
    ports = fakes.memory_ports()
    return ports, build(ports)


async def test_a_crash_between_saving_and_publishing_is_repaired_by_the_relay(world):
    ports, gateway = world
    ports.publisher.down = True  # stands for a process that dies before it publishes

    async def crashed_send(*args, **kwargs):
        return None

    gateway.outbox.send, real_send = crashed_send, gateway.outbox.send
    started = await gateway.start_training("acct-v", "req-1", FIELDS, images(), {})
    ports.publisher.down = False
    gateway.outbox.send = real_send
    assert ports.publisher.events == []
    assert await gateway.outbox.relay(older_than_s=-1) == 1
    [uploaded] = ports.publisher.events
    assert isinstance(uploaded, DatasetUploaded)
    assert uploaded.training_id == started.training_id
    assert len(uploaded.images) == 15 and set(ports.uploads.objects) == {
        i.key for i in uploaded.images
    }
    assert await gateway.outbox.relay(older_than_s=-1) == 0  # sent once


async def test_a_refused_publish_undoes_the_training_and_frees_its_keyword(world):
    ports, gateway = world
    ports.publisher.down = True
    with pytest.raises(Unavailable, match="nothing was charged"):
        await gateway.start_training("acct-v", "req-1", FIELDS, images(), {})
    [training] = await ports.trainings.list("acct-v", 10)
    assert training.status is TrainingStatus.FAILED
    assert await gateway.outbox.relay(older_than_s=-1) == 0
    ports.publisher.down = False
    again = await gateway.start_training("acct-v", "req-2", FIELDS, images(), {})
    assert again.status == TrainingStatus.VALIDATING


async def test_the_relay_winning_the_race_keeps_the_change(world):
    """The bus refused the request's publish, but the relay had published it already."""
    ports, gateway = world
    real_publish = ports.publisher.publish

    async def relay_then_refuse(event):
        await real_publish(event)  # the relay's copy
        [pending] = await ports.trainings.pending(older_than_s=-1)
        await ports.trainings.mark_sent(pending.record_id, pending.outgoing.batch)
        raise ConnectionError("the request's own publish fails")

    ports.publisher.publish = relay_then_refuse
    started = await gateway.start_training("acct-v", "req-1", FIELDS, images(), {})
    assert started.status == TrainingStatus.VALIDATING
    with pytest.raises(Conflict):  # the keyword stays with the live training
        await gateway.start_training("acct-v", "req-2", FIELDS, images(), {})


async def test_the_same_request_run_again_is_the_same_training(world):
    ports, gateway = world
    first = await gateway.start_training("acct-v", "req-1", FIELDS, images(), {})
    again = await gateway.start_training("acct-v", "req-1", FIELDS, images(), {})
    assert again.training_id == first.training_id
    assert len(ports.publisher.events) == 1


async def test_deleting_a_model_when_the_bus_is_away_changes_nothing(world):
    ports, gateway = world
    await ports.models.add(model_of(completed()))
    ports.publisher.down = True
    with pytest.raises(Unavailable):
        await gateway.delete_model("acct-v", "mdl-1")
    assert await ports.models.get("acct-v", "mdl-1") is not None
    ports.publisher.down = False
    await gateway.delete_model("acct-v", "mdl-1")
    assert await ports.models.get("acct-v", "mdl-1") is None
    [deleted] = ports.publisher.events
    assert isinstance(deleted, ModelDeleted) and deleted.weights_key == "w"


async def test_a_plan_change_is_answered_when_billing_announces_it(world):
    ports, gateway = world
    changes = gateway.account_changes

    async def billing(event):
        await changes.on_account_changed(
            AccountChanged.new(
                **ROOT,
                request_id=event.request_id,
                change="subscription",
                plan="pro",
                credits=0,
                free_trainings=1,
            )
        )

    ports.publisher.then = billing
    balance = await changes.subscribe("acct-v", "req-1", "pro")
    assert (balance.plan, balance.free_trainings) == ("pro", 1)


async def test_a_plan_change_billing_is_slow_to_apply_is_pending(world, monkeypatch):
    ports, gateway = world
    monkeypatch.setattr(account_changes, "APPLY_WAIT_S", 0.05)
    assert await gateway.account_changes.subscribe("acct-v", "req-1", "pro") is None
    ports.billing.applied.add("subscription:req-1")  # billing applied it meanwhile
    again = await gateway.account_changes.subscribe("acct-v", "req-1", "pro")
    assert again is not None and again.account_id == "acct-v"
    assert len(ports.publisher.events) == 1  # the re-run asked billing, sent nothing


async def test_a_rerun_of_a_rejected_training_does_not_take_its_keyword_again(world):
    _, gateway = world
    first = await gateway.start_training("acct-v", "req-1", FIELDS, images(), {})
    rejected = DatasetRejected.new(
        account_id="acct-v", correlation_id="c", training_id=first.training_id,
        dataset_id="ds", reason="3 problems", report=DatasetReport(),
    )  # fmt: skip
    await gateway.views.fold(rejected)
    again = await gateway.start_training("acct-v", "req-1", FIELDS, images(), {})
    assert (again.training_id, again.status) == (first.training_id, TrainingStatus.REJECTED)
    other = await gateway.start_training("acct-v", "req-2", FIELDS, images(), {})
    assert other.status == TrainingStatus.VALIDATING  # the keyword was free


async def test_a_training_whose_events_went_out_keeps_its_keyword_whatever_fails_after(world):
    ports, gateway = world

    async def database_away(*args):
        raise ConnectionError("mongo: no servers")

    ports.trainings.mark_sent = database_away
    with pytest.raises(ConnectionError):
        await gateway.start_training("acct-v", "req-1", FIELDS, images(), {})
    assert len(ports.publisher.events) == 1  # DatasetUploaded went out: the training is live
    with pytest.raises(Conflict):
        await gateway.start_training("acct-v", "req-2", FIELDS, images(), {})
