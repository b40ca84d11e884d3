"""Billing use cases: every input event becomes exactly one ledger entry and, where the
chain goes on, one outcome event (its id derived from the input, so a redelivery that
re-publishes it is dropped by JetStream); an ImageGenerated matters only when images were
withheld. ModelDeleted is not consumed: deleting a model refunds nothing."""

from collections.abc import Awaitable, Callable

import structlog

from billing.book import LedgerBook
from billing.domain import decisions
from billing.domain.ledger import Draft, Entry
from billing.domain.prices import Prices
from contracts.bus import Delivery
from contracts.envelope import Event, derived_event_id
from contracts.events import (
    AccountChanged,
    CreditsDebited,
    CreditsDebitRejected,
    CreditsPurchased,
    CreditsRefunded,
    DatasetValidated,
    GenerationFailed,
    GenerationRequested,
    ImageGenerated,
    SubscriptionRequested,
    TrainingCancelled,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingFailed,
    TrainingRefunded,
)

log = structlog.get_logger(__name__)
Publish = Callable[[Event], Awaitable[None]]


class ChargeNotFound(LookupError):
    """A failure arrived for something billing has not charged (yet): retried, then parked."""


def outcome_id(entry: Entry, outcome: type[Event]) -> str:
    """One outcome event per ledger entry, whichever delivery (or duplicate input) made it,
    so JetStream drops every re-publication of it."""
    return derived_event_id(f"{entry.account_id}/{entry.key}", outcome.__name__)


def training_key(training_id: str, step: str) -> str:
    return f"training:{training_id}:{step}"


def generation_key(generation_id: str, step: str) -> str:
    return f"generation:{generation_id}:{step}"


class BillingHandlers:
    def __init__(self, book: LedgerBook, publish: Publish, prices: Prices):
        self.book = book
        self.publish = publish
        self.prices = prices

    async def on_credits_purchased(self, event: CreditsPurchased, delivery: Delivery) -> None:
        """Add purchased credits; announce the account as it is now."""
        entry = await self.book.append(
            event.account_id,
            f"purchase:{event.purchase_id}",
            event.purchase_id,
            event.occurred_at,
            lambda state: decisions.purchase(event.credits, event.reason),
        )
        await self._announce(entry, "purchase")

    async def on_subscription_requested(self, event: SubscriptionRequested, delivery: Delivery):
        """Change plan (the first paid plan grants the one free training); announce it."""
        entry = await self.book.append(
            event.account_id,
            f"subscription:{event.request_id}",
            event.request_id,
            event.occurred_at,
            lambda state: decisions.subscribe(state, event.plan),
        )
        await self._announce(entry, "subscription")

    async def _announce(self, entry: Entry, change: str) -> None:
        await self.publish(
            AccountChanged.new(
                event_id=outcome_id(entry, AccountChanged),
                request_id=entry.reference,
                change=change,
                plan=entry.after.plan,
                credits=entry.after.credits,
                free_trainings=entry.after.free_trainings,
            )
        )

    async def on_dataset_validated(self, event: DatasetValidated, delivery: Delivery) -> None:
        """Charge the training: the free training if there is one, else its base's price."""
        price = self.prices.training_for(event.spec.base)
        entry = await self.book.append(
            event.account_id,
            training_key(event.training_id, "charge"),
            event.training_id,
            event.occurred_at,
            lambda state: decisions.charge_training(state, price),
        )
        if entry.draft.is_rejection:
            await self.publish(
                TrainingChargeRejected.new(
                    event_id=outcome_id(entry, TrainingChargeRejected),
                    training_id=event.training_id,
                    reason=entry.draft.description,
                    credits_needed=price,
                    credits_held=entry.after.credits,
                )
            )
            return
        await self.publish(
            TrainingCharged.new(
                event_id=outcome_id(entry, TrainingCharged),
                training_id=event.training_id,
                spec=event.spec,
                credits_charged=-entry.draft.credits,
                used_free_training=entry.draft.free_trainings < 0,
                balance_after=entry.after.credits,
                plan=entry.after.plan,
            )
        )

    async def on_generation_requested(self, event: GenerationRequested, delivery: Delivery):
        """Debit the price of every requested image."""
        num_images = event.spec.settings.num_outputs
        entry = await self.book.append(
            event.account_id,
            generation_key(event.generation_id, "debit"),
            event.generation_id,
            event.occurred_at,
            lambda state: decisions.debit_generation(state, num_images, self.prices),
        )
        if entry.draft.is_rejection:
            await self.publish(
                CreditsDebitRejected.new(
                    event_id=outcome_id(entry, CreditsDebitRejected),
                    generation_id=event.generation_id,
                    reason=entry.draft.description,
                    credits_needed=self.prices.generation_credits(num_images),
                    credits_held=entry.after.credits,
                )
            )
            return
        await self.publish(
            CreditsDebited.new(
                event_id=outcome_id(entry, CreditsDebited),
                generation_id=event.generation_id,
                spec=event.spec,
                credits_debited=-entry.draft.credits,
                balance_after=entry.after.credits,
            )
        )

    async def on_training_failed(self, event: TrainingFailed, delivery: Delivery) -> None:
        """Refund the failed training exactly once (credits, or the free training)."""
        await self._refund_training(event, lambda charge: decisions.refund(charge, "training"))

    async def on_training_cancelled(self, event: TrainingCancelled, delivery: Delivery) -> None:
        """Refund the unrun share of the cancelled training exactly once. Its key is the
        failure's (`training:<id>:refund`): a training ends once, so one refund at most."""
        await self._refund_training(
            event,
            lambda charge: decisions.cancel_refund(charge, event.steps_run, event.total_steps),
            cause="cancelled",
        )

    async def _refund_training(self, event, decide, cause: str = "failed") -> None:
        refund = await self._refund(event, training_key(event.training_id, "charge"), decide)
        if refund:
            await self.publish(
                TrainingRefunded.new(
                    event_id=outcome_id(refund, TrainingRefunded),
                    training_id=event.training_id,
                    credits_refunded=refund.draft.credits,
                    free_training_restored=refund.draft.free_trainings > 0,
                    balance_after=refund.after.credits,
                    cause=cause,
                )
            )

    async def on_generation_failed(self, event: GenerationFailed, delivery: Delivery) -> None:
        """Refund the failed generation exactly once."""
        await self._refund_generation(event, lambda c: decisions.refund(c, "generation"))

    async def on_image_generated(self, event: ImageGenerated, delivery: Delivery) -> None:
        """Refund the images the safety check withheld, exactly once. Its key is the
        failure's (`generation:<id>:refund`): a generation ends once, so one refund at most."""
        if not event.withheld:
            return
        withheld, requested = len(event.withheld), len(event.images) + len(event.withheld)
        await self._refund_generation(
            event, lambda c: decisions.withheld_refund(c, withheld, requested), "withheld"
        )

    async def _refund_generation(self, event, decide, cause: str = "failed") -> None:
        refund = await self._refund(event, generation_key(event.generation_id, "debit"), decide)
        if refund:
            await self.publish(
                CreditsRefunded.new(
                    event_id=outcome_id(refund, CreditsRefunded),
                    generation_id=event.generation_id,
                    credits_refunded=refund.draft.credits,
                    balance_after=refund.after.credits,
                    cause=cause,
                )
            )

    async def _refund(
        self, event: Event, charge_key: str, decide: Callable[[Entry], Draft]
    ) -> Entry | None:
        original = await self.book.ledger.get(event.account_id, charge_key)
        if original is None:
            raise ChargeNotFound(f"no {charge_key} to refund")
        if original.draft.is_rejection:
            log.info("billing.nothing_to_refund", key=charge_key)
            return None
        return await self.book.append(
            event.account_id,
            charge_key.rsplit(":", 1)[0] + ":refund",
            original.reference,
            event.occurred_at,
            lambda state: decide(original),
        )
