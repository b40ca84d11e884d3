"""Buying a plan: a checkout, then the payment provider's word, then the plan.

No user request changes a plan to a paid one. The plan changes when
- the provider's signed webhook says a checkout was paid (or a renewal was, or the
  subscription ended: back to free), or
- the operator, who is the provider on the embedded default, confirms a checkout was paid or
  sets an account's plan (admin API).
Each change is a SubscriptionRequested (account_changes), whose request id comes from the
provider's event id or the checkout: a webhook delivered twice changes the plan once. An
event older than the last one applied to the account (the provider does not promise order)
is acknowledged and ignored.
"""

import time
import uuid
from dataclasses import dataclass

from contracts.events.account import PAID_PLANS, Plan
from gateway.app.account_changes import AccountChanges
from gateway.domain import payments
from gateway.domain.errors import Invalid, NotFound
from gateway.domain.payments import Checkout, PaymentFact
from gateway.ports import Accounts, Checkouts, PaymentProvider


@dataclass
class Payments:
    checkouts: Checkouts
    accounts: Accounts
    provider: PaymentProvider
    account_changes: AccountChanges
    webhook_secret: str = ""

    async def start_checkout(self, account_id: str, plan: Plan) -> Checkout:
        if plan not in PAID_PLANS:
            raise Invalid(f"a checkout buys a paid plan: one of {', '.join(PAID_PLANS)}")
        checkout = Checkout(
            checkout_id=f"chk-{uuid.uuid4().hex[:16]}",
            account_id=account_id,
            plan=plan,
            provider=self.provider.name,
            created_at=time.time(),
        )
        checkout = Checkout(**vars(checkout) | {"pay_url": await self.provider.start(checkout)})
        await self.checkouts.add(checkout)
        return checkout

    async def checkout(self, account_id: str | None, checkout_id: str) -> Checkout:
        """The account's checkout (any account's for the operator: `account_id` None)."""
        found = await self.checkouts.get(checkout_id)
        if found is None or account_id not in (None, found.account_id):
            raise NotFound(f"no checkout {checkout_id}")
        return found

    async def confirm_paid(self, checkout_id: str, reference: str):
        """The operator received the payment of this checkout: the plan applies."""
        now = time.time()
        if (await self.checkout(None, checkout_id)).status(now) == "expired":
            raise Invalid(f"checkout {checkout_id} expired before it was paid; start a new one")
        fact = PaymentFact(f"operator:{checkout_id}", now, "checkout_paid", checkout_id)
        return await self._apply(fact, reference)

    async def set_plan(self, account_id: str, plan: Plan, request_id: str):
        """The operator's own decision (an invoice paid elsewhere, a gift, a cancellation)."""
        if not await self.accounts.account_exists(account_id):
            raise NotFound(f"no account {account_id}")
        return await self.account_changes.subscribe(account_id, request_id, plan)

    async def on_webhook(self, payload: bytes, signature: str, now: float):
        """Verify and apply a provider event; (applied, account balance or None)."""
        if not self.webhook_secret:
            raise NotFound("no payment provider sends webhooks to this platform")
        payments.verify(payload, signature, self.webhook_secret, now)
        fact = payments.read_event(payload)
        if fact is None:
            return False, None
        return await self._apply(fact, fact.provider_ref or fact.event_id)

    async def _apply(self, fact: PaymentFact, reference: str):
        account_id, plan = fact.account_id, fact.plan
        if fact.kind == "checkout_paid":
            # a payment the provider took is honoured, however late (its session expired
            # before ours could)
            checkout = await self.checkout(None, fact.checkout_id or "")
            checkout = await self.checkouts.mark_paid(checkout.checkout_id, fact.created, reference)
            account_id, plan = checkout.account_id, checkout.plan
            request_id = f"checkout:{checkout.checkout_id}"  # paid once, whoever says so
        else:
            request_id = f"provider:{fact.event_id}"
        if fact.kind == "cancelled":
            plan = "free"
        if plan not in (*PAID_PLANS, "free") or not await self.accounts.account_exists(account_id):
            raise Invalid(f"the event names no account or plan of this platform: {fact.event_id}")
        if fact.created < await self.checkouts.last_event(account_id):
            return False, None  # overtaken by a newer event, e.g. a renewal after a cancel
        balance = await self.account_changes.subscribe(account_id, request_id, plan)
        await self.checkouts.note_event(account_id, fact.event_id, fact.created)
        return True, balance
