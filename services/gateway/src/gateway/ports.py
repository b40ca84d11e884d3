"""What the gateway's use cases need from the outside world, as small protocols.

adapters/ holds the MongoDB, S3 and bus implementations; fakes.py the in-memory ones that
unit tests hand to the composition root (`main.create_app(..., ports=...)`).

Stores marked `Outboxed` keep, in the same document write as a state change, the events that
announce it (the outbox); app/outbox.py publishes them and marks them sent, so a crash
between saving and publishing loses nothing.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Protocol

from contracts.bus import ReplayAnswer
from contracts.envelope import Event
from contracts.queries.billing import AccountBalance, LedgerPage
from contracts.queries.dataset import CheckAnswer, CheckQuery
from gateway.domain.dead_letters import Letter
from gateway.domain.facts import Change
from gateway.domain.moderation import Decision
from gateway.domain.payments import Checkout
from gateway.domain.rate_limits import Rule, Verdict
from gateway.domain.records import ApiKey, Generation, Login, Model, Session, Training
from gateway.domain.webhook_urls import Target
from gateway.domain.webhooks import Attempt, Delivery, Endpoint


@dataclass(frozen=True)
class Outgoing:
    """Events written with a state change, published after it; `batch` names the write."""

    batch: str
    events: list[Event]


@dataclass(frozen=True)
class Pending:
    record_id: str
    outgoing: Outgoing


class KeywordTaken(Exception):
    def __init__(self, holder: str, reserved_at: float):
        super().__init__(holder)
        self.holder, self.reserved_at = holder, reserved_at


class Outboxed(Protocol):
    async def pending(self, older_than_s: float) -> list[Pending]:
        """Claim, for a while, the writes pending for longer than this (and those whose relay
        died while sending) and return them; a claimed write can no longer be cancelled."""

    async def mark_sent(self, record_id: str, batch: str) -> None: ...

    async def cancel(self, record_id: str, batch: str, undo: dict) -> bool:
        """Drop unpublished events and set `undo` on the record; False when a relay claimed
        them meanwhile (then they are or will be published, and nothing changes)."""


class Accounts(Protocol):
    async def create_account(self, account_id: str) -> None: ...
    async def account_exists(self, account_id: str) -> bool: ...
    async def add_key(self, key: ApiKey) -> None: ...
    async def key(self, key_id: str) -> ApiKey | None: ...
    async def keys_of(self, account_id: str) -> list[ApiKey]: ...
    async def revoke(self, account_id: str, key_id: str) -> bool: ...


class Logins(Protocol):
    """Email logins, browser sessions and one-time set-password links."""

    async def add(self, login: Login) -> bool:
        """False when the email already signs in to an account."""

    async def by_email(self, email: str) -> Login | None: ...
    async def of_account(self, account_id: str) -> Login | None: ...
    async def set_password(self, email: str, password_hash: str) -> None: ...
    async def add_session(self, session: Session) -> None: ...
    async def session(self, session_id: str, now: float) -> Session | None:
        """The session, unless it expired or ended."""

    async def end_session(self, session_id: str) -> None: ...
    async def end_sessions(self, account_id: str) -> int: ...
    async def add_link(self, link_hash: str, email: str, expires_at: float) -> None: ...
    async def take_link(self, link_hash: str, now: float) -> str | None:
        """The email of an unexpired link, which is used up by this call (once only)."""


class Failures(Protocol):
    """Sign-in attempts by name ("email:…", "address:…"), each counted before it is checked,
    so that guesses sent at once cannot all pass the check before any is recorded."""

    async def attempt(self, name: str, now: float, window_s: float) -> tuple[int, float]:
        """Count one more attempt, atomically: (the count before it, the time of the attempt
        before it); (0, 0.0) for the first. Counting restarts after `window_s` without one."""

    async def withdraw(self, name: str) -> None:
        """Uncount an attempt that failed nothing (refused unchecked, or it succeeded)."""

    async def clear(self, name: str) -> None: ...


class Keywords(Protocol):
    """One live training or model per keyword and account."""

    async def reserve(self, account_id: str, keyword: str, training_id: str) -> None:
        """Raises KeywordTaken naming the holder; reserving again for the holder is a no-op."""

    async def take_over(self, account_id: str, keyword: str, holder: str, training_id: str) -> bool:
        """Move a reservation from `holder` to `training_id`; False if it is no longer held by
        `holder`."""

    async def release(self, account_id: str, keyword: str, training_id: str) -> None: ...
    async def holder(self, account_id: str, keyword: str) -> str | None:
        """The training holding the keyword, if any."""


class Trainings(Outboxed, Protocol):
    async def create(self, training: Training, outgoing: Outgoing) -> bool:
        """False when a training with this id exists (a retried request)."""

    async def unfinished(self, account_id: str) -> int:
        """The account's trainings that have not ended (checking, queued or training)."""

    async def queued_ahead(self, queue_key: float) -> int:
        """Paid trainings of every account that wait with a lower queue key."""

    async def running_etas(self) -> list[float]:
        """Seconds left of each training running now, by its latest progress report."""

    async def recent_durations(self, limit: int) -> list[float]:
        """How long the latest completed trainings of every account took, newest first."""

    async def get(self, account_id: str, training_id: str) -> Training | None: ...
    async def find(self, training_id: str) -> Training | None: ...
    async def versions(self, training_ids: list[str]) -> dict[str, datetime]:
        """Each training's `updated_at`, in one read (live updates reconcile with it)."""

    async def list(self, account_id: str, limit: int) -> list[Training]: ...
    async def apply(self, training_id: str, change: Change) -> Training | None: ...
    async def request_cancel(self, account_id: str, training_id: str, outgoing: Outgoing) -> bool:
        """Mark the training cancelled by its user, with `outgoing` to announce it, in one
        write; False (nothing written) unless it is running, not yet cancelled, and the
        events of its last write were sent (a cancel must not overwrite an unsent start)."""

    async def retraining(self, account_id: str, model_id: str) -> Training | None:
        """A training of a new version of the model that has not ended, if one runs."""


class Models(Outboxed, Protocol):
    async def add(self, model: Model) -> None:
        """Insert once: a later add of the same model (a redelivery) never revives it."""

    async def get(self, account_id: str, model_id: str) -> Model | None:
        """The account's live model; None when unknown, not theirs or deleted."""

    async def family(self, account_id: str, family_id: str) -> list[Model]:
        """The account's live versions of a model, by version number."""

    async def list(self, account_id: str, limit: int) -> list[Model]:
        """Live models, every version, newest first."""

    async def delete(self, model_id: str, outgoing: Outgoing) -> None: ...
    async def find(self, model_id: str) -> Model | None:
        """The model whatever its state (deleted too) and account."""

    async def last_version(self, family_id: str) -> int:
        """The highest version number a model has given, deleted versions too (0: none)."""


class Generations(Outboxed, Protocol):
    async def create(self, generation: Generation, outgoing: Outgoing) -> bool:
        """False when a generation with this id exists (a retried request)."""

    async def get(self, account_id: str, generation_id: str) -> Generation | None: ...
    async def versions(self, generation_ids: list[str]) -> dict[str, datetime]:
        """Each generation's `updated_at`, in one read."""

    async def list(self, account_id: str, limit: int) -> list[Generation]: ...
    async def apply(self, generation_id: str, change: Change) -> Generation | None: ...


class Requests(Outboxed, Protocol):
    """Account requests that live only as the event carrying them (plan changes, purchases)."""

    async def add(self, request_id: str, account_id: str, outgoing: Outgoing) -> bool:
        """False when this request was recorded before."""


@dataclass
class Remembered:
    """An Idempotency-Key's request: its body's fingerprint and, once done, its answer."""

    fingerprint: str
    claimed_at: float
    status_code: int | None = None
    body: dict | list | None = None
    expires_at: float | None = None

    @property
    def done(self) -> bool:
        return self.status_code is not None


class Idempotency(Protocol):
    async def claim(self, key: str, fingerprint: str, now: float) -> Remembered | None:
        """Claim the key for a request; None when claimed now, else what was there."""

    async def take_over(
        self, key: str, stale: Remembered, fingerprint: str, now: float
    ) -> bool: ...
    async def complete(self, key: str, answer: Remembered) -> None:
        """Keep the answer, if the claim made at `answer.claimed_at` still holds the key."""

    async def release(self, key: str, claimed_at: float) -> None:
        """Free the key, if that claim still holds it and it has no answer."""

    async def forget_expired(self, now: float) -> int: ...


class Checkouts(Protocol):
    """Checkouts of paid plans, and the provider events applied to each account."""

    async def add(self, checkout: Checkout) -> None: ...
    async def get(self, checkout_id: str) -> Checkout | None: ...
    async def mark_paid(self, checkout_id: str, paid_at: float, provider_ref: str) -> Checkout:
        """The checkout, paid (the first payment's time and reference stay)."""

    async def last_event(self, account_id: str) -> float:
        """The provider time of the newest event applied to the account; 0.0 when none."""

    async def note_event(self, account_id: str, event_id: str, created: float) -> None: ...


class UploadUsage(Protocol):
    """Training uploads per account, for the upload quota."""

    async def add(self, account_id: str, upload_id: str, size: int, at: float) -> None:
        """Count an upload once (adding the same upload again changes nothing)."""

    async def since(self, account_id: str, since: float) -> list[tuple[float, int]]:
        """(time, bytes) of the account's uploads since then."""


class RateLimits(Protocol):
    """Token buckets shared by every gateway replica (domain/rate_limits.py)."""

    async def take(self, key: str, rule: Rule, now: float) -> Verdict:
        """One request against the bucket `key` of `rule`."""


class Moderation(Protocol):
    """The content policy: asked before a training or a generation is accepted."""

    async def prompt(
        self, account_id: str, prompt: str, negative_prompt: str | None
    ) -> Decision: ...

    async def training(
        self, account_id: str, training_type: str, keyword: str, captions: list[str], consent: bool
    ) -> Decision: ...

    async def images(self, account_id: str, training_type: str, images: list) -> Decision:
        """The hook for a classifier of uploaded images (`images`: their names and streams)."""


class PaymentProvider(Protocol):
    name: str

    async def start(self, checkout: Checkout) -> str | None:
        """Open the provider's checkout; the URL where the user pays (None: the operator is
        told and confirms the payment himself)."""


class Uploads(Protocol):
    async def put(self, key: str, stream: BinaryIO, size: int) -> None: ...


class Links(Protocol):
    ttl_s: float
    """How long a link stays valid."""

    def url(self, key: str, download_as: str | None = None) -> str:
        """A short-lived link to a private object; with `download_as`, one that downloads it
        as a file of that name."""


class Billing(Protocol):
    async def account(self, account_id: str, applied_key: str | None = None) -> AccountBalance: ...
    async def ledger(self, account_id: str, limit: int, before_seq: int | None) -> LedgerPage: ...


class DatasetChecks(Protocol):
    async def check(self, query: CheckQuery) -> CheckAnswer:
        """The dataset service's report on uploads it checks without a training (QueryFailed
        when it does not answer in time)."""


class Publisher(Protocol):
    async def publish(self, event: Event) -> None: ...


class DeadLetters(Protocol):
    """The bus's dead letters, for the operator (contracts.bus.dead_letters and .replay)."""

    async def newest(self, limit: int) -> list[Letter]: ...
    async def get(self, letter_id: int) -> Letter | None: ...
    async def drop(self, letter_id: int) -> bool:
        """False when there is no such letter."""

    async def replay(self, letter: Letter, wait_s: float) -> ReplayAnswer | None:
        """Have the service owning the letter's consumer handle it again: its answer, or None
        when it is still at it after `wait_s`. Raises contracts.bus.NobodyReplays when no
        process of that service listens."""


class WebhookEndpoints(Protocol):
    async def add(self, endpoint: Endpoint) -> None:
        """Insert once: adding an id that exists changes nothing."""

    async def get(self, account_id: str, endpoint_id: str) -> Endpoint | None: ...
    async def find(self, endpoint_id: str) -> Endpoint | None: ...
    async def of_account(self, account_id: str) -> list[Endpoint]: ...
    async def save(self, endpoint: Endpoint) -> None:
        """Write the endpoint's changeable fields (url, events, description, enabled…)."""

    async def delete(self, account_id: str, endpoint_id: str) -> bool: ...


class WebhookDeliveries(Protocol):
    async def add(self, delivery: Delivery) -> bool:
        """Insert once: False when a delivery with this id exists (a redelivered event)."""

    async def claim_due(self, now: float, lease_s: float, limit: int) -> list[Delivery]:
        """Deliveries due by `now`, each claimed for `lease_s` (a new `claim`, `next_at` moved
        on), so no other replica sends it meanwhile; a claimant that dies leaves it due again."""

    async def settle(self, delivery: Delivery) -> None:
        """Write state, attempts, next_at and the last answer, if `delivery.claim` still holds
        it (a lapsed claim taken by another sender writes nothing)."""

    async def add_attempt(self, attempt: Attempt) -> None: ...
    async def get(self, account_id: str, delivery_id: str) -> Delivery | None: ...
    async def of_endpoint(self, account_id: str, endpoint_id: str, limit: int) -> list[Delivery]:
        """Newest first."""

    async def attempts_of(self, delivery_ids: list[str]) -> list[Attempt]: ...
    async def forget(self, endpoint_id: str) -> None:
        """Every delivery and attempt of a deleted endpoint."""

    async def forget_older_than(self, at: float) -> int: ...


class ViewChanges(Protocol):
    async def changed(self, record_id: str) -> None:
        """Tell every gateway replica that the record's view changed (may be lost)."""

    def hear(self, wake: Callable[[str], Awaitable[None]]) -> None:
        """Have `wake(record_id)` called on this replica for every change told."""


@dataclass(frozen=True)
class Answer:
    """How one webhook request went."""

    status_code: int | None
    error: str | None
    duration_ms: int


class WebhookSender(Protocol):
    async def refusal(self, target: Target) -> str | None:
        """Why a request to the target is refused now (domain/webhook_urls.py, applied to
        what its host resolves to); None when it may go."""

    async def post(self, target: Target, url: str, headers: dict, body: bytes) -> Answer:
        """POST to the URL, at an address the URL rules allow (domain/webhook_urls.py);
        never raises: a refusal, a timeout or a closed port is an Answer with an error."""


@dataclass
class Ports:
    """Everything the gateway talks to; the composition root builds the real ones."""

    accounts: Accounts
    logins: Logins
    failures: Failures
    keywords: Keywords
    trainings: Trainings
    models: Models
    generations: Generations
    requests: Requests
    checkouts: Checkouts
    upload_usage: UploadUsage
    idempotency: Idempotency
    uploads: Uploads
    links: Links
    billing: Billing
    publisher: Publisher
    payments: PaymentProvider
    moderation: Moderation
    rate_limits: RateLimits
    dead_letters: DeadLetters
    dataset_checks: DatasetChecks
    webhook_endpoints: WebhookEndpoints
    webhook_deliveries: WebhookDeliveries
    webhook_sender: WebhookSender
    view_changes: ViewChanges
    outboxed: list[Outboxed] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.outboxed = [self.trainings, self.models, self.generations, self.requests]
