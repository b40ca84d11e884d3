"""In-memory ports: the gateway without any server, for unit tests (and a browser test of
the pages that needs no platform). Each behaves as its adapter does — the port suites in
services/gateway/tests run the same tests against both."""

import copy
import dataclasses
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import BinaryIO

from contracts.bus import NobodyReplays, QueryFailed, ReplayAnswer
from contracts.envelope import Event
from contracts.events.common import DatasetReport, Finding, ImageReport
from contracts.queries.billing import AccountBalance, LedgerPage
from contracts.queries.dataset import CheckAnswer, CheckQuery
from gateway.adapters.policy_moderation import PolicyModeration
from gateway.domain import rate_limits
from gateway.domain.dead_letters import Letter
from gateway.domain.facts import Change
from gateway.domain.moderation import Policy
from gateway.domain.payments import Checkout
from gateway.domain.queue_places import remaining
from gateway.domain.rate_limits import Rule, Verdict
from gateway.domain.records import ApiKey, Generation, Login, Model, Session, Training
from gateway.domain.statuses import TrainingStatus
from gateway.fake_webhooks import MemoryWebhookDeliveries, MemoryWebhookEndpoints, ScriptedSender
from gateway.ports import KeywordTaken, Outgoing, Pending, Ports, Remembered

PENDING, SENDING, SENT, CANCELLED = "pending", "sending", "sent", "cancelled"
SENDING_LEASE_S = 30.0


class MemoryOutbox:
    """Records by id, each with the outbox of its last write (states as in mongo_outbox)."""

    def __init__(self) -> None:
        self.records: dict[str, object] = {}
        self.outbox: dict[str, tuple[Outgoing, str, float]] = {}

    def _write(self, record_id: str, record: object, out: Outgoing) -> None:
        self.records[record_id] = record
        self.outbox[record_id] = (out, PENDING, time.time())

    async def pending(self, older_than_s: float) -> list[Pending]:
        now, claimed = time.time(), []
        for record_id, (out, state, at) in list(self.outbox.items()):
            age = {PENDING: older_than_s, SENDING: SENDING_LEASE_S}.get(state)
            if age is not None and at < now - age:
                self.outbox[record_id] = (out, SENDING, now)
                claimed.append(Pending(record_id, out))
        return claimed

    async def mark_sent(self, record_id: str, batch: str) -> None:
        out, state, at = self.outbox[record_id]
        if out.batch == batch and state in (PENDING, SENDING):
            self.outbox[record_id] = (out, SENT, at)

    async def cancel(self, record_id: str, batch: str, undo: dict) -> bool:
        out, state, at = self.outbox[record_id]
        if out.batch != batch or state != PENDING:
            return False
        self.outbox[record_id] = (out, CANCELLED, at)
        if undo and record_id in self.records:
            self.records[record_id] = dataclasses.replace(self.records[record_id], **undo)
        return True

    def _insert_or_redo(self, record_id: str, record: object, out: Outgoing) -> bool:
        if record_id in self.records and self.outbox[record_id][1] != CANCELLED:
            return False
        self._write(record_id, record, out)
        return True


class _MemoryView(MemoryOutbox):
    def _live(self, record) -> bool:
        return True

    async def get(self, account_id: str, record_id: str):
        record = self.records.get(record_id)
        ok = record is not None and record.account_id == account_id and self._live(record)
        return copy.deepcopy(record) if ok else None

    async def versions(self, record_ids: list[str]) -> dict:
        held = {id: self.records[id] for id in record_ids if id in self.records}
        return {id: record.updated_at for id, record in held.items() if self._live(record)}

    async def list(self, account_id: str, limit: int) -> list:
        mine = [r for r in self.records.values() if r.account_id == account_id and self._live(r)]
        return copy.deepcopy(sorted(mine, key=lambda r: r.created_at, reverse=True)[:limit])

    async def apply(self, record_id: str, change: Change):
        record = self.records.get(record_id)
        if record is None or (
            change.only_from is not None and record.status not in change.only_from
        ):
            return None
        fields = change.fields | {"updated_at": datetime.now(UTC)}
        self.records[record_id] = dataclasses.replace(record, **fields)
        return copy.deepcopy(self.records[record_id])


class MemoryTrainings(_MemoryView):
    async def create(self, training: Training, out: Outgoing) -> bool:
        return self._insert_or_redo(training.training_id, copy.deepcopy(training), out)

    async def find(self, training_id: str) -> Training | None:
        return copy.deepcopy(self.records.get(training_id))

    async def request_cancel(self, account_id: str, training_id: str, out: Outgoing) -> bool:
        training = self.records.get(training_id)
        if (
            training is None
            or training.account_id != account_id
            or training.cancel_requested_at is not None
            or self.outbox[training_id][1] not in (SENT, CANCELLED)
            or training.status.ended
        ):
            return False
        cancelled = dataclasses.replace(training, cancel_requested_at=datetime.now(UTC))
        self._write(training_id, cancelled, out)
        return True

    async def unfinished(self, account_id: str) -> int:
        mine = [t for t in self.records.values() if t.account_id == account_id]
        return sum(not training.status.ended for training in mine)

    async def queued_ahead(self, queue_key: float) -> int:
        return sum(
            t.status is TrainingStatus.QUEUED
            and t.queue_key is not None
            and t.queue_key < queue_key
            for t in self.records.values()
        )

    async def running_etas(self) -> list[float]:
        running = [t for t in self.records.values() if t.status is TrainingStatus.TRAINING]
        return [remaining(training) for training in running]

    async def recent_durations(self, limit: int) -> list[float]:
        done = [t for t in self.records.values() if t.duration_s is not None]
        done.sort(key=lambda t: t.updated_at, reverse=True)
        return [training.duration_s for training in done[:limit]]

    async def retraining(self, account_id: str, model_id: str) -> Training | None:
        for training in self.records.values():
            if (
                training.account_id == account_id
                and training.version_of == model_id
                and not training.status.ended
            ):
                return copy.deepcopy(training)
        return None


class MemoryGenerations(_MemoryView):
    async def create(self, generation: Generation, out: Outgoing) -> bool:
        return self._insert_or_redo(generation.generation_id, copy.deepcopy(generation), out)


class MemoryModels(_MemoryView):
    def _live(self, model: Model) -> bool:
        return not model.deleted

    async def add(self, model: Model) -> None:
        self.records.setdefault(model.model_id, copy.deepcopy(model))

    async def delete(self, model_id: str, out: Outgoing) -> bool:
        model = self.records.get(model_id)
        if model is None or model.deleted:
            return False
        self._write(model_id, dataclasses.replace(model, deleted=True), out)
        return True

    async def find(self, model_id: str) -> Model | None:
        return copy.deepcopy(self.records.get(model_id))

    async def family(self, account_id: str, family_id: str) -> list[Model]:
        mine = [
            model
            for model in self.records.values()
            if model.account_id == account_id and model.family == family_id and not model.deleted
        ]
        return copy.deepcopy(sorted(mine, key=lambda model: model.version))

    async def last_version(self, family_id: str) -> int:
        versions = [m.version for m in self.records.values() if m.family == family_id]
        return max(versions, default=0)


class MemoryRequests(MemoryOutbox):
    async def add(self, request_id: str, account_id: str, out: Outgoing) -> bool:
        return self._insert_or_redo(request_id, {"account_id": account_id}, out)


class MemoryAccounts:
    def __init__(self) -> None:
        self.accounts: set[str] = set()
        self.keys: dict[str, ApiKey] = {}

    async def create_account(self, account_id: str) -> None:
        self.accounts.add(account_id)

    async def account_exists(self, account_id: str) -> bool:
        return account_id in self.accounts

    async def add_key(self, key: ApiKey) -> None:
        self.keys[key.key_id] = key

    async def key(self, key_id: str) -> ApiKey | None:
        return self.keys.get(key_id)

    async def keys_of(self, account_id: str) -> list[ApiKey]:
        mine = [k for k in self.keys.values() if k.account_id == account_id]
        return sorted(mine, key=lambda k: k.created_at)

    async def revoke(self, account_id: str, key_id: str) -> bool:
        key = self.keys.get(key_id)
        if key is None or key.account_id != account_id:
            return False
        self.keys[key_id] = dataclasses.replace(key, revoked_at=datetime.now(UTC))
        return True


class MemoryKeywords:
    def __init__(self) -> None:
        self.held: dict[str, tuple[str, float]] = {}

    async def reserve(self, account_id: str, keyword: str, training_id: str) -> None:
        holder, at = self.held.setdefault(f"{account_id}/{keyword}", (training_id, time.time()))
        if holder != training_id:
            raise KeywordTaken(holder, at)

    async def take_over(self, account_id: str, keyword: str, holder: str, training_id: str) -> bool:
        name = f"{account_id}/{keyword}"
        if name not in self.held or self.held[name][0] != holder:
            return False
        self.held[name] = (training_id, time.time())
        return True

    async def release(self, account_id: str, keyword: str, training_id: str) -> None:
        name = f"{account_id}/{keyword}"
        if name in self.held and self.held[name][0] == training_id:
            del self.held[name]

    async def holder(self, account_id: str, keyword: str) -> str | None:
        return self.held.get(f"{account_id}/{keyword}", (None,))[0]


class MemoryLogins:
    def __init__(self) -> None:
        self.logins: dict[str, Login] = {}
        self.sessions: dict[str, Session] = {}
        self.links: dict[str, tuple[str, float]] = {}

    async def add(self, login: Login) -> bool:
        return self.logins.setdefault(login.email, login) is login

    async def by_email(self, email: str) -> Login | None:
        return self.logins.get(email)

    async def of_account(self, account_id: str) -> Login | None:
        return next((x for x in self.logins.values() if x.account_id == account_id), None)

    async def set_password(self, email: str, password_hash: str) -> None:
        self.logins[email] = dataclasses.replace(self.logins[email], password_hash=password_hash)

    async def add_session(self, session: Session) -> None:
        self.sessions[session.session_id] = session

    async def session(self, session_id: str, now: float) -> Session | None:
        session = self.sessions.get(session_id)
        return session if session and session.expires_at > now else None

    async def end_session(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)

    async def end_sessions(self, account_id: str) -> int:
        ended = [k for k, s in self.sessions.items() if s.account_id == account_id]
        for session_id in ended:
            del self.sessions[session_id]
        return len(ended)

    async def add_link(self, link_hash: str, email: str, expires_at: float) -> None:
        self.links[link_hash] = (email, expires_at)

    async def take_link(self, link_hash: str, now: float) -> str | None:
        email, expires_at = self.links.pop(link_hash, (None, 0.0))
        return email if expires_at > now else None


class MemoryFailures:
    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, float]] = {}

    async def attempt(self, name: str, now: float, window_s: float) -> tuple[int, float]:
        count, last_at = self.counts.get(name, (0, 0.0))
        count = count if now - last_at <= window_s else 0
        self.counts[name] = (count + 1, now)
        return count, last_at

    async def withdraw(self, name: str) -> None:
        if name in self.counts:
            count, last_at = self.counts[name]
            self.counts[name] = (max(count - 1, 0), last_at)

    async def clear(self, name: str) -> None:
        self.counts.pop(name, None)


class MemoryCheckouts:
    def __init__(self) -> None:
        self.checkouts: dict[str, Checkout] = {}
        self.events: dict[str, tuple[str, float]] = {}

    async def add(self, checkout: Checkout) -> None:
        self.checkouts[checkout.checkout_id] = checkout

    async def get(self, checkout_id: str) -> Checkout | None:
        return self.checkouts.get(checkout_id)

    async def mark_paid(self, checkout_id: str, paid_at: float, provider_ref: str) -> Checkout:
        checkout = self.checkouts[checkout_id]
        if checkout.paid_at is None:
            checkout = dataclasses.replace(checkout, paid_at=paid_at, provider_ref=provider_ref)
            self.checkouts[checkout_id] = checkout
        return checkout

    async def last_event(self, account_id: str) -> float:
        return max((t for a, t in self.events.values() if a == account_id), default=0.0)

    async def note_event(self, account_id: str, event_id: str, created: float) -> None:
        self.events.setdefault(event_id, (account_id, created))


class MemoryUploadUsage:
    def __init__(self) -> None:
        self.uploads: dict[str, tuple[str, float, int]] = {}

    async def add(self, account_id: str, upload_id: str, size: int, at: float) -> None:
        self.uploads.setdefault(upload_id, (account_id, at, size))

    async def since(self, account_id: str, since: float) -> list[tuple[float, int]]:
        return [(at, n) for a, at, n in self.uploads.values() if a == account_id and at >= since]


class MemoryRateLimits:
    def __init__(self) -> None:
        self.tats: dict[str, float] = {}

    async def take(self, key: str, rule: Rule, now: float) -> Verdict:
        name = f"{rule.name}.{key}"  # one bucket per rule and key, as in the KV store
        verdict = rate_limits.take(rule, self.tats.get(name), now)
        self.tats[name] = verdict.tat
        return verdict


class ScriptedPayments:
    """A provider that answers with a made-up page to pay on (or none, as the operator)."""

    def __init__(self, name: str = "operator") -> None:
        self.name, self.started = name, []

    async def start(self, checkout: Checkout) -> str | None:
        self.started.append(checkout)
        return None if self.name == "operator" else f"https://pay.example/{checkout.checkout_id}"


class MemoryIdempotency:
    def __init__(self) -> None:
        self.keys: dict[str, Remembered] = {}

    async def claim(self, key: str, fingerprint: str, now: float) -> Remembered | None:
        if key in self.keys:
            return copy.deepcopy(self.keys[key])
        self.keys[key] = Remembered(fingerprint, now)
        return None

    async def take_over(self, key: str, stale: Remembered, fingerprint: str, now: float) -> bool:
        held = self.keys.get(key)
        if held is None or held.done or held.claimed_at != stale.claimed_at:
            return False
        self.keys[key] = Remembered(fingerprint, now)
        return True

    async def complete(self, key: str, answer: Remembered) -> None:
        if key in self.keys and self.keys[key].claimed_at == answer.claimed_at:
            self.keys[key] = copy.deepcopy(answer)

    async def release(self, key: str, claimed_at: float) -> None:
        held = self.keys.get(key)
        if held is not None and held.claimed_at == claimed_at and not held.done:
            del self.keys[key]

    async def forget_expired(self, now: float) -> int:
        old = [k for k, r in self.keys.items() if r.expires_at is not None and r.expires_at < now]
        for key in old:
            del self.keys[key]
        return len(old)


class MemoryUploads:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    async def put(self, key: str, stream: BinaryIO, size: int) -> None:
        self.objects[key] = stream.read(size)


class FakeLinks:
    ttl_s = 900.0

    def url(self, key: str, download_as: str | None = None) -> str:
        saved = f"&download={download_as}" if download_as else ""
        return f"https://objects.invalid/{key}?signed{saved}"


class MemoryViewChanges:
    """One process's replicas: a change told wakes this process's followers."""

    def __init__(self) -> None:
        self.told: list[str] = []
        self._wakes: list = []

    async def changed(self, record_id: str) -> None:
        self.told.append(record_id)
        for wake in self._wakes:
            await wake(record_id)

    def hear(self, wake) -> None:
        self._wakes.append(wake)


class RecordingPublisher:
    """Keeps what is published; `down = True` refuses like a bus that is away; `then`, if
    set, plays the services that answer an event."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.down = False
        self.then: Callable[[Event], Awaitable[None]] | None = None

    async def publish(self, event: Event) -> None:
        if self.down:
            raise ConnectionError("nats: no servers available")
        self.events.append(event)
        if self.then is not None:
            await self.then(event)


class MemoryDeadLetters:
    """Dead letters in memory. A replay comes to `outcome` (handled, parked again, failed, or
    running: no answer in time); `answering = False` plays an owning service that is down."""

    def __init__(self) -> None:
        self.letters: dict[int, Letter] = {}
        self.last_id = 0
        self.outcome = "handled"
        self.answering = True
        self.replayed: list[int] = []

    def park(self, consumer: str, payload: str, reason: str, subject: str = "aitrain.x.y.v1"):
        self.last_id += 1
        self.letters[self.last_id] = Letter(
            self.last_id, consumer, subject, 5, reason, datetime.now(UTC), payload
        )
        return self.letters[self.last_id]

    async def newest(self, limit: int) -> list[Letter]:
        return [self.letters[i] for i in sorted(self.letters, reverse=True)[:limit]]

    async def get(self, letter_id: int) -> Letter | None:
        return self.letters.get(letter_id)

    async def drop(self, letter_id: int) -> bool:
        return self.letters.pop(letter_id, None) is not None

    async def replay(self, letter: Letter, wait_s: float) -> ReplayAnswer | None:
        if not self.answering:
            raise NobodyReplays(f"nothing listens for {letter.consumer}")
        self.replayed.append(letter.letter_id)
        if self.outcome == "running":
            return None
        if self.outcome == "failed":
            return ReplayAnswer(outcome="failed", reason="ConnectionError: database away")
        del self.letters[letter.letter_id]
        if self.outcome == "handled":
            return ReplayAnswer(outcome="handled")
        again = self.park(letter.consumer, letter.payload, "permanent error: still wrong")
        return ReplayAnswer(outcome="parked again", reason=again.reason, letter_id=again.letter_id)


class ScriptedBilling:
    """Billing's answers: balances set by the test, an empty ledger; `answering = False`
    plays a billing that does not answer."""

    def __init__(self) -> None:
        self.balances: dict[str, AccountBalance] = {}
        self.applied: set[str] = set()
        self.answering = True

    async def account(self, account_id: str, applied_key: str | None = None) -> AccountBalance:
        if not self.answering:
            raise QueryFailed("billing.account: no answer")
        balance = self.balances.get(account_id) or AccountBalance(
            account_id=account_id,
            plan="free",
            credits=0,
            free_trainings=0,
            training_credits=1000,
            image_credits=5,
        )
        if applied_key is None:
            return balance
        return balance.model_copy(update={"applied": applied_key in self.applied})

    async def ledger(self, account_id: str, limit: int, before_seq: int | None) -> LedgerPage:
        return LedgerPage(entries=[])


class ScriptedDatasetChecks:
    """The dataset service's check, played: each photo named in `findings` gets those, the
    others none; `answering = False` plays a dataset service that does not answer."""

    def __init__(self) -> None:
        self.findings: dict[str, list[Finding]] = {}
        self.answering = True
        self.asked: list[CheckQuery] = []

    async def check(self, query: CheckQuery) -> CheckAnswer:
        if not self.answering:
            raise QueryFailed("dataset did not answer check: TimeoutError")
        self.asked.append(query)
        images = [
            ImageReport(name=i.name, key=i.key, findings=self.findings.get(i.name, []))
            for i in query.images
        ]
        kept_until = datetime.fromtimestamp(time.time() + 86400, UTC)
        return CheckAnswer(report=DatasetReport(images=images), originals_deleted_after=kept_until)


def memory_stores() -> dict:
    """Every store of the gateway in memory, by the name Ports gives it."""
    return {
        "accounts": MemoryAccounts(),
        "logins": MemoryLogins(),
        "failures": MemoryFailures(),
        "keywords": MemoryKeywords(),
        "trainings": MemoryTrainings(),
        "models": MemoryModels(),
        "generations": MemoryGenerations(),
        "requests": MemoryRequests(),
        "checkouts": MemoryCheckouts(),
        "upload_usage": MemoryUploadUsage(),
        "idempotency": MemoryIdempotency(),
        "webhook_endpoints": MemoryWebhookEndpoints(),
        "webhook_deliveries": MemoryWebhookDeliveries(),
    }


def memory_ports() -> Ports:
    return Ports(
        **memory_stores(),
        uploads=MemoryUploads(),
        links=FakeLinks(),
        billing=ScriptedBilling(),
        publisher=RecordingPublisher(),
        payments=ScriptedPayments(),
        moderation=PolicyModeration(Policy()),  # allows everything; tests set a policy
        rate_limits=MemoryRateLimits(),
        dead_letters=MemoryDeadLetters(),
        dataset_checks=ScriptedDatasetChecks(),
        webhook_sender=ScriptedSender(),
        view_changes=MemoryViewChanges(),
    )
