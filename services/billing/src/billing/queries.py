"""What billing answers over request-reply: balances and ledger pages (read-only)."""

from billing.book import LedgerBook
from billing.domain.prices import Prices
from contracts.queries.billing import (
    AccountBalance,
    AccountQuery,
    LedgerLine,
    LedgerPage,
    LedgerQuery,
)


class BillingQueries:
    def __init__(self, book: LedgerBook, prices: Prices):
        self.book, self.prices = book, prices

    async def account(self, query: AccountQuery) -> AccountBalance:
        """Credits, free trainings and plan of an account; optionally whether a key applied."""
        applied = None
        if query.applied_key is not None:  # first: the state read after it then includes it
            applied = await self.book.ledger.get(query.account_id, query.applied_key) is not None
        state = await self.book.state(query.account_id)
        return AccountBalance(
            account_id=query.account_id,
            plan=state.plan,
            credits=state.credits,
            free_trainings=state.free_trainings,
            applied=applied,
            training_credits=self.prices.training_credits,
            image_credits=self.prices.image_credits,
        )

    async def ledger(self, query: LedgerQuery) -> LedgerPage:
        """A page of the account's ledger, newest first."""
        entries = await self.book.ledger.page(query.account_id, query.limit + 1, query.before_seq)
        shown = entries[: query.limit]
        lines = [
            LedgerLine(
                seq=entry.seq,
                kind=entry.draft.kind,
                credits=entry.draft.credits,
                free_trainings=entry.draft.free_trainings,
                balance_after=entry.after.credits,
                free_trainings_after=entry.after.free_trainings,
                reference=entry.reference,
                description=entry.draft.description,
                occurred_at=entry.occurred_at,
            )
            for entry in shown
        ]
        more = len(entries) > query.limit
        return LedgerPage(entries=lines, next_before_seq=shown[-1].seq if more else None)
