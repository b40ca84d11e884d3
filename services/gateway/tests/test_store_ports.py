"""One contract per store, two implementations: the in-memory fakes and MongoDB (over the
real server) behave the same, outbox included."""

import asyncio
import time
from dataclasses import replace

import pytest
from gateway_records import NOW, completed, generation, training, uploaded

from gateway import fakes
from gateway.adapters import mongo_outbox
from gateway.app.outbox import outgoing
from gateway.domain.facts import RUNNING, Change
from gateway.domain.statuses import GenerationStatus, TrainingStatus
from gateway.domain.webhooks import DELIVERED, PENDING, Attempt, Delivery, Endpoint
from gateway.ports import KeywordTaken, Remembered


async def test_a_training_reads_back_typed_as_written(stores):
    written = training()
    assert await stores.trainings.create(written, outgoing())
    read = await stores.trainings.get("acct-v", "trn-1")
    assert read == written
    assert read.status is TrainingStatus.VALIDATING and read.created_at.tzinfo is not None
    assert await stores.trainings.get("acct-other", "trn-1") is None
    assert (await stores.trainings.find("trn-1")).keyword == "zxq"


async def test_a_write_keeps_its_events_until_they_are_marked_sent(stores):
    event = uploaded()
    out = outgoing(event)
    await stores.trainings.create(training(), out)
    [pending] = await stores.trainings.pending(older_than_s=-1)
    assert (pending.record_id, pending.outgoing.batch) == ("trn-1", out.batch)
    assert pending.outgoing.events == [event]
    assert await stores.trainings.pending(older_than_s=60) == []  # too fresh for the relay
    await stores.trainings.mark_sent("trn-1", out.batch)
    assert await stores.trainings.pending(older_than_s=-1) == []
    assert not await stores.trainings.cancel("trn-1", out.batch, {"reason": "x"})
    assert not await stores.trainings.create(training(), outgoing())  # the same id again


async def test_a_cancelled_write_is_undone_and_may_be_made_again(stores):
    out = outgoing(uploaded())
    await stores.trainings.create(training(), out)
    undo = {"status": TrainingStatus.FAILED, "reason": "bus away"}
    assert await stores.trainings.cancel("trn-1", out.batch, undo)
    read = await stores.trainings.get("acct-v", "trn-1")
    assert (read.status, read.reason) == (TrainingStatus.FAILED, "bus away")
    assert await stores.trainings.pending(older_than_s=-1) == []
    again = outgoing(uploaded())
    assert await stores.trainings.create(training(), again)
    assert (await stores.trainings.get("acct-v", "trn-1")).status is TrainingStatus.VALIDATING
    [pending] = await stores.trainings.pending(older_than_s=-1)
    assert pending.outgoing.batch == again.batch


async def test_a_generation_change_applies_only_from_the_statuses_it_names(stores):
    await stores.generations.create(generation(), outgoing())
    done = Change({"status": GenerationStatus.COMPLETED, "images": [{"key": "k"}]}, RUNNING)
    applied = await stores.generations.apply("gen-1", done)
    assert applied.status is GenerationStatus.COMPLETED and applied.updated_at > NOW
    assert await stores.generations.apply("gen-1", Change({"status": "failed"}, RUNNING)) is None
    refunded = await stores.generations.apply("gen-1", Change({"refunded": True}))
    assert refunded.refunded is True and refunded.images == [{"key": "k"}]
    assert await stores.generations.apply("gen-unknown", Change({"refunded": True})) is None


async def test_lists_are_the_account_s_newest_first(stores):
    for n in range(3):
        record = training(f"trn-{n}", keyword=f"kw{n}")
        record.created_at = record.created_at.replace(minute=n)
        await stores.trainings.create(record, outgoing())
    await stores.trainings.create(training("trn-x", account_id="acct-x"), outgoing())
    listed = await stores.trainings.list("acct-v", 2)
    assert [t.training_id for t in listed] == ["trn-2", "trn-1"]


async def test_a_deleted_model_is_hidden_and_never_revived(stores):
    from gateway.domain.facts import model_of

    model = model_of(completed())
    await stores.models.add(model)
    assert [m.model_id for m in await stores.models.list("acct-v", 10)] == ["mdl-1"]
    out = outgoing(uploaded())
    assert await stores.models.delete("mdl-1", out)
    assert not await stores.models.delete("mdl-1", outgoing(uploaded()))  # deleted already
    assert await stores.models.get("acct-v", "mdl-1") is None
    await stores.models.add(model)  # TrainingCompleted delivered again
    assert await stores.models.list("acct-v", 10) == []
    assert await stores.models.cancel("mdl-1", out.batch, {"deleted": False})
    assert (await stores.models.get("acct-v", "mdl-1")).keyword == "zxq"
    assert await stores.models.pending(older_than_s=-1) == []


async def test_a_model_s_versions_are_found_by_its_id_deleted_ones_still_counted(stores):
    from gateway.domain.facts import model_of

    first = replace(model_of(completed()), family_id=None)  # stored before versions existed
    await stores.models.add(first)
    await stores.models.add(model_of(completed("trn-2", "mdl-2"), "mdl-1", 2))
    await stores.models.add(model_of(completed("trn-3", "mdl-3"), "mdl-1", 3))
    await stores.models.add(model_of(completed("trn-x", "mdl-x")))  # another model
    assert await stores.models.delete("mdl-3", outgoing())

    assert [m.version for m in await stores.models.family("acct-v", "mdl-1")] == [1, 2]
    assert await stores.models.family("acct-other", "mdl-1") == []
    assert await stores.models.last_version("mdl-1") == 3  # a deleted number is not given again
    assert await stores.models.last_version("mdl-none") == 0
    assert (await stores.models.find("mdl-3")).deleted  # found, deleted or not
    assert (await stores.models.find("mdl-2")).family == "mdl-1"


async def test_a_retraining_is_found_until_it_ends(stores):
    retrain = replace(training("trn-r"), version_of="mdl-1")
    await stores.trainings.create(retrain, outgoing())
    assert (await stores.trainings.retraining("acct-v", "mdl-1")).training_id == "trn-r"
    assert await stores.trainings.retraining("acct-other", "mdl-1") is None
    await stores.trainings.apply("trn-r", Change({"status": TrainingStatus.FAILED}))
    assert await stores.trainings.retraining("acct-v", "mdl-1") is None


async def test_the_queue_s_reads_span_every_account(stores):
    rows = [  # (training, account, status, queue key, progress, duration)
        ("t-q1", "acct-a", TrainingStatus.QUEUED, 100.5, None, None),
        ("t-q2", "acct-b", TrainingStatus.QUEUED, 200.25, None, None),
        ("t-q3", "acct-a", TrainingStatus.QUEUED, 300.0, None, None),
        ("t-run", "acct-b", TrainingStatus.TRAINING, 50.0, {"eta_seconds": 40}, None),
        ("t-done", "acct-a", TrainingStatus.COMPLETED, 10.0, None, 95.5),
        ("t-old", "acct-a", TrainingStatus.COMPLETED, 5.0, None, 120.0),
        ("t-fail", "acct-a", TrainingStatus.FAILED, 1.0, None, None),
    ]
    for training_id, account, status, key, progress, duration in reversed(rows):
        await stores.trainings.create(training(training_id, account_id=account), outgoing())
        fields = {"status": status, "queue_key": key, "progress": progress, "duration_s": duration}
        await stores.trainings.apply(training_id, Change(fields))
    assert await stores.trainings.unfinished("acct-a") == 2
    assert await stores.trainings.unfinished("acct-b") == 2
    assert await stores.trainings.queued_ahead(300.0) == 2  # the running one is not waiting
    assert await stores.trainings.queued_ahead(100.5) == 0
    [left] = await stores.trainings.running_etas()
    assert 35 < left <= 40
    assert await stores.trainings.recent_durations(5) == [95.5, 120.0]  # newest first
    assert await stores.trainings.recent_durations(1) == [95.5]


async def test_a_claimed_write_cannot_be_cancelled_and_a_lapsed_claim_is_taken_again(
    stores, monkeypatch
):
    out = outgoing(uploaded())
    await stores.trainings.create(training(), out)
    [claimed] = await stores.trainings.pending(older_than_s=-1)
    assert claimed.outgoing.batch == out.batch
    assert await stores.trainings.pending(older_than_s=-1) == []  # not handed out twice
    assert not await stores.trainings.cancel("trn-1", out.batch, {"reason": "bus away"})
    assert (await stores.trainings.get("acct-v", "trn-1")).reason is None
    for module in (mongo_outbox, fakes):  # the relay that claimed it died: its lease lapses
        monkeypatch.setattr(module, "SENDING_LEASE_S", -1.0)
    [again] = await stores.trainings.pending(older_than_s=60)
    await stores.trainings.mark_sent("trn-1", again.outgoing.batch)
    assert await stores.trainings.pending(older_than_s=-1) == []


async def test_a_keyword_is_held_by_one_training_until_released(stores):
    await stores.keywords.reserve("acct-v", "zxq", "trn-1")
    await stores.keywords.reserve("acct-v", "zxq", "trn-1")  # the holder again: fine
    await stores.keywords.reserve("acct-w", "zxq", "trn-9")  # another account's own
    with pytest.raises(KeywordTaken) as taken:
        await stores.keywords.reserve("acct-v", "zxq", "trn-2")
    assert taken.value.holder == "trn-1" and taken.value.reserved_at > 0
    assert not await stores.keywords.take_over("acct-v", "zxq", "trn-7", "trn-2")
    assert await stores.keywords.take_over("acct-v", "zxq", "trn-1", "trn-2")
    await stores.keywords.release("acct-v", "zxq", "trn-1")  # not the holder: nothing
    with pytest.raises(KeywordTaken):
        await stores.keywords.reserve("acct-v", "zxq", "trn-3")
    await stores.keywords.release("acct-v", "zxq", "trn-2")
    await stores.keywords.reserve("acct-v", "zxq", "trn-3")


async def test_one_of_two_racing_reservations_wins(stores):
    results = await asyncio.gather(
        *(stores.keywords.reserve("acct-v", "race", f"trn-{n}") for n in range(4)),
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 1


async def test_an_account_request_is_recorded_once(stores):
    assert await stores.requests.add("req-1", "acct-v", outgoing(uploaded()))
    assert not await stores.requests.add("req-1", "acct-v", outgoing(uploaded()))
    assert len(await stores.requests.pending(older_than_s=-1)) == 1


async def test_an_idempotency_key_is_claimed_once_then_answers(stores):
    keys, t = stores.idempotency, time.time()  # real times: records expire by them
    assert await keys.claim("acct/k1", "print-a", t) is None
    seen = await keys.claim("acct/k1", "print-b", t + 1)
    assert (seen.fingerprint, seen.done) == ("print-a", False)
    assert not await keys.take_over("acct/k1", Remembered("print-a", t - 1), "print-a", t + 2)
    assert await keys.take_over("acct/k1", seen, "print-a", t + 2)
    await keys.complete("acct/k1", Remembered("print-a", t, 500, {"late": "owner"}))  # lost it
    assert not (await keys.claim("acct/k1", "print-a", t + 2.5)).done
    await keys.complete("acct/k1", Remembered("print-a", t + 2, 202, {"id": "x"}))
    answer = await keys.claim("acct/k1", "print-a", t + 3)
    assert (answer.status_code, answer.body, answer.done) == (202, {"id": "x"}, True)
    await keys.release("acct/k1", t + 2)  # done: kept
    assert (await keys.claim("acct/k1", "print-a", t + 4)).done


async def test_a_released_key_is_free_and_secrets_expire(stores):
    keys, t = stores.idempotency, time.time()
    await keys.claim("acct/k2", "p", t + 1)
    await keys.release("acct/k2", t + 0.5)  # not this claim's: kept
    assert (await keys.claim("acct/k2", "p", t + 1.5)).claimed_at == t + 1
    await keys.release("acct/k2", t + 1)
    assert await keys.claim("acct/k2", "p", t + 2) is None
    secret = Remembered("p", t + 2, 201, {"api_key": "s"}, expires_at=t + 50)
    await keys.complete("acct/k2", secret)
    await keys.claim("acct/k3", "p", t + 2)
    await keys.complete("acct/k3", Remembered("p", t + 2, 202, {"id": "y"}))
    assert await keys.forget_expired(now=t + 40) == 0
    assert await keys.forget_expired(now=t + 60) == 1
    assert await keys.claim("acct/k2", "p", t + 61) is None
    assert (await keys.claim("acct/k3", "p", t + 61)).done


async def test_accounts_and_keys(stores):
    from gateway.domain.records import ApiKey

    await stores.accounts.create_account("acct-v")
    assert await stores.accounts.account_exists("acct-v")
    assert not await stores.accounts.account_exists("acct-w")
    await stores.accounts.add_key(ApiKey("k1", "acct-v", "hash", NOW))
    await stores.accounts.add_key(ApiKey("k2", "acct-v", "hash2", NOW.replace(minute=5)))
    assert [k.key_id for k in await stores.accounts.keys_of("acct-v")] == ["k1", "k2"]
    assert not await stores.accounts.revoke("acct-w", "k1")
    assert await stores.accounts.revoke("acct-v", "k1")
    revoked = await stores.accounts.key("k1")
    assert revoked.revoked_at is not None and revoked.account_id == "acct-v"
    assert revoked.created_at == NOW and revoked.created_at.tzinfo is not None  # UTC, named


async def test_an_email_signs_in_to_one_account_and_sessions_end(stores):
    from gateway.domain.records import Login, Session

    logins = stores.logins
    assert await logins.add(Login("a@example.com", "acct-1"))
    assert not await logins.add(Login("a@example.com", "acct-2"))
    await logins.set_password("a@example.com", "argon-hash")
    assert await logins.by_email("a@example.com") == Login("a@example.com", "acct-1", "argon-hash")
    assert (await logins.of_account("acct-1")).email == "a@example.com"
    assert await logins.by_email("b@example.com") is None

    t = time.time()  # real times: sessions, links and failures expire by them
    for n, expires_at in enumerate((t + 200, t + 300)):
        await logins.add_session(
            Session(f"s{n}", "acct-1", "a@example.com", "csrf", t + 100, expires_at)
        )
    assert (await logins.session("s0", t + 150)).csrf_token == "csrf"
    assert await logins.session("s0", t + 250) is None  # expired
    await logins.end_session("s1")
    assert await logins.session("s1", t + 150) is None
    await logins.add_session(Session("s2", "acct-1", "a@example.com", "c", t + 100, t + 900))
    assert await logins.end_sessions("acct-1") == 2
    assert await logins.session("s2", t + 150) is None


async def test_a_set_password_link_works_once_and_expires(stores):
    t = time.time()
    await stores.logins.add_link("h1", "a@example.com", t + 100)
    await stores.logins.add_link("h2", "a@example.com", t + 100)
    assert await stores.logins.take_link("h1", t + 50) == "a@example.com"
    assert await stores.logins.take_link("h1", t + 50) is None
    assert await stores.logins.take_link("h2", t + 150) is None  # expired
    assert await stores.logins.take_link("unknown", t + 50) is None


async def test_sign_in_attempts_count_until_withdrawn_cleared_or_forgotten(stores):
    failures, t = stores.failures, time.time()
    # the embedded server keeps a float written by `$set` to 14 digits (a tenth of a ms here)
    ms = {"abs": 1e-3}
    seen = [await failures.attempt("email:a", t + s, window_s=100) for s in (10, 11, 12)]
    assert seen == [(0, 0.0), (1, pytest.approx(t + 10, **ms)), (2, pytest.approx(t + 11, **ms))]
    await failures.withdraw("email:a")  # the third failed nothing
    again = await failures.attempt("email:a", t + 13, window_s=100)
    assert again == (2, pytest.approx(t + 12, **ms))
    forgotten = await failures.attempt("email:a", t + 500, window_s=100)
    assert forgotten == (0, pytest.approx(t + 13, **ms))
    await failures.clear("email:a")
    assert await failures.attempt("email:a", t + 501, window_s=100) == (0, 0.0)


async def test_parallel_sign_in_attempts_each_get_their_own_count(stores):
    t = time.time()
    counts = await asyncio.gather(
        *(stores.failures.attempt("email:b", t, window_s=100) for _ in range(20))
    )
    assert sorted(count for count, _ in counts) == list(range(20))


async def test_a_checkout_is_paid_once_and_keeps_its_first_payment(stores):
    from gateway.domain.payments import Checkout

    checkout = Checkout("chk-1", "acct-v", "pro", "operator", 1000.0)
    await stores.checkouts.add(checkout)
    assert await stores.checkouts.get("chk-1") == checkout
    assert await stores.checkouts.get("chk-2") is None
    paid = await stores.checkouts.mark_paid("chk-1", 1500.0, "INV-1")
    assert (paid.paid_at, paid.provider_ref, paid.plan) == (1500.0, "INV-1", "pro")
    again = await stores.checkouts.mark_paid("chk-1", 1600.0, "INV-2")
    assert (again.paid_at, again.provider_ref) == (1500.0, "INV-1")
    assert (await stores.checkouts.get("chk-1")).status(1700.0) == "paid"


async def test_the_newest_provider_event_of_an_account_is_known(stores):
    t = time.time()  # real times: old events and usage expire by them
    assert await stores.checkouts.last_event("acct-v") == 0.0
    await stores.checkouts.note_event("acct-v", "evt_2", t + 200)
    await stores.checkouts.note_event("acct-v", "evt_1", t + 100)
    await stores.checkouts.note_event("acct-w", "evt_3", t + 300)
    await stores.checkouts.note_event("acct-v", "evt_2", t + 200)  # noted twice: once
    assert await stores.checkouts.last_event("acct-v") == t + 200
    assert await stores.checkouts.last_event("acct-w") == t + 300


async def test_uploads_are_counted_once_per_upload_and_read_by_time(stores):
    t = time.time()
    await stores.upload_usage.add("acct-v", "trn-1", 100, t + 1000)
    await stores.upload_usage.add("acct-v", "trn-1", 100, t + 1001)  # a retry: counted once
    await stores.upload_usage.add("acct-v", "trn-2", 50, t + 2000)
    await stores.upload_usage.add("acct-w", "trn-3", 70, t + 2000)
    both = [(t + 1000, 100), (t + 2000, 50)]
    assert sorted(await stores.upload_usage.since("acct-v", t)) == both
    assert await stores.upload_usage.since("acct-v", t + 1500) == [(t + 2000, 50)]


def _endpoint(endpoint_id: str = "whe-1", account_id: str = "acct-v") -> Endpoint:
    return Endpoint(endpoint_id, account_id, "https://h.example.com", ["model.deleted"], "s", 1.0)


def _delivery(delivery_id: str, next_at: float, created_at: float = 5.0) -> Delivery:
    return Delivery(
        delivery_id, "whe-1", "acct-v", "model.deleted", "{}", created_at, next_at=next_at
    )


async def test_a_webhook_endpoint_is_added_once_and_changed_in_place(stores):
    endpoints = stores.webhook_endpoints
    await endpoints.add(_endpoint())
    await endpoints.add(replace(_endpoint(), url="https://other.example.com"))  # the same request
    assert (await endpoints.get("acct-v", "whe-1")).url == "https://h.example.com"
    assert await endpoints.get("acct-other", "whe-1") is None
    off = replace(_endpoint(), enabled=False, disabled_reason="503s", disabled_at=9.5)
    await endpoints.save(off)
    assert await endpoints.find("whe-1") == off  # booleans stay booleans
    await endpoints.add(_endpoint("whe-2"))
    assert [e.endpoint_id for e in await endpoints.of_account("acct-v")] == ["whe-1", "whe-2"]
    assert not await endpoints.delete("acct-other", "whe-1")
    assert await endpoints.delete("acct-v", "whe-1")
    assert await endpoints.find("whe-1") is None


async def test_a_due_delivery_is_claimed_by_one_sender_until_its_lease_ends(stores):
    deliveries, now = stores.webhook_deliveries, time.time()  # times with every digit
    assert await deliveries.add(_delivery("msg-1", next_at=now - 0.123456789))
    assert not await deliveries.add(_delivery("msg-1", next_at=now))  # a redelivered event
    await deliveries.add(_delivery("msg-2", next_at=now + 30.987654321))
    [first] = await deliveries.claim_due(now=now, lease_s=60.0, limit=10)
    assert first.delivery_id == "msg-1" and first.claim
    assert await deliveries.claim_due(now=now + 1, lease_s=60.0, limit=10) == []  # leased
    # the claim lapsed and another sender took it: the first may no longer settle it
    taken = await deliveries.claim_due(now=now + 61, lease_s=60.0, limit=10)
    [second] = [d for d in taken if d.delivery_id == "msg-1"]
    await deliveries.settle(replace(first, state=DELIVERED, attempts=1))
    assert (await deliveries.get("acct-v", "msg-1")).state == PENDING
    await deliveries.settle(replace(second, state=DELIVERED, attempts=1, next_at=0.0))
    settled = await deliveries.get("acct-v", "msg-1")
    assert (settled.state, settled.attempts) == (DELIVERED, 1)
    assert await deliveries.get("acct-other", "msg-1") is None


async def test_attempts_are_listed_by_delivery_and_forgotten_with_it(stores):
    deliveries = stores.webhook_deliveries
    await deliveries.add(_delivery("msg-old", next_at=0.0, created_at=1.0))
    await deliveries.add(_delivery("msg-new", next_at=0.0, created_at=100.0))
    for n, delivery_id in enumerate(("msg-old", "msg-new", "msg-new")):
        attempt = Attempt(f"{delivery_id}:{n}", delivery_id, "whe-1", "acct-v", n, 500, None, 7)
        await deliveries.add_attempt(attempt)
        await deliveries.add_attempt(attempt)  # written again by a sender that died: once
    listed = await deliveries.of_endpoint("acct-v", "whe-1", limit=10)
    assert [d.delivery_id for d in listed] == ["msg-new", "msg-old"]
    assert len(await deliveries.attempts_of(["msg-new"])) == 2
    assert await deliveries.forget_older_than(50.0) == 1
    assert await deliveries.attempts_of(["msg-old"]) == []
    await deliveries.forget("whe-1")
    assert await deliveries.of_endpoint("acct-v", "whe-1", limit=10) == []
    assert await deliveries.attempts_of(["msg-new"]) == []
