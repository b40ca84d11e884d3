"""Check before paying: a training's upload checked exactly as a real one (the form, the
content policy, every photo by the dataset service) and priced, without starting anything.

Nothing is charged, no keyword is reserved and no event is announced (a check changes no
one's state, so no other service needs to hear of it). The photos are stored under a key
of the check's own, and the dataset service deletes them after its keep time.
"""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts.bases import Base, Catalog
from contracts.bus import QueryFailed
from contracts.events.common import DatasetReport
from contracts.queries.billing import AccountBalance
from contracts.queries.dataset import CheckQuery
from gateway.app import ids
from gateway.app.trainings import UploadedFile, moderate, store_originals, version_form
from gateway.domain import training_form
from gateway.domain.errors import Unavailable
from gateway.ports import Billing, DatasetChecks, Keywords, Models, Moderation, Uploads

TRAINING_CREDITS = 1000
"""The price when billing does not say (an older billing)."""
NOT_CHECKED = "the photo check could not be done now; nothing was charged — try again in a minute"


@dataclass(frozen=True)
class Price:
    credits: int
    """What the training would take now: 0 when it uses the free training."""
    uses_free_training: bool
    balance: int
    covered: bool

    @classmethod
    def of(cls, account: AccountBalance, base: Base) -> "Price":
        """On `base`: its own price where the catalog gives one, else billing's."""
        free = account.free_trainings > 0
        price = base.training_credits
        if price is None:
            price = account.training_credits or TRAINING_CREDITS
        cost = 0 if free else price
        return cls(cost, free, account.credits, free or account.credits >= cost)


@dataclass(frozen=True)
class CheckedSet:
    check_id: str
    keyword: str
    keyword_problem: str | None
    warnings: list[str]
    """About the form (a common keyword)."""
    report: DatasetReport
    price: Price
    photos_deleted_after: datetime


@dataclass
class CheckTraining:
    keywords: Keywords
    uploads: Uploads
    moderation: Moderation
    datasets: DatasetChecks
    billing: Billing
    models: Models
    catalog: Catalog

    async def __call__(
        self,
        account_id: str,
        fields: dict[str, str],
        images: list[UploadedFile],
        captions: dict[str, str],
    ) -> CheckedSet:
        fields, version_of = await version_form(self.models, account_id, fields)
        form = training_form.read_form(fields, self.catalog)  # the same 422s as a training
        training_form.check_count(len(images))
        await moderate(self.moderation, account_id, form, images, captions)
        check_id = ids.derived("dry", uuid.uuid4().hex)
        stored = await store_originals(
            self.uploads, images, captions, f"originals/{account_id}/{check_id}"
        )
        query = CheckQuery(
            account_id=account_id, check_id=check_id, training_type=form.type, images=stored
        )
        try:
            answer, account = await asyncio.gather(
                self.datasets.check(query), self.billing.account(account_id)
            )
        except QueryFailed as exc:  # dataset (or billing, for the price) did not answer
            raise Unavailable(NOT_CHECKED) from exc
        # a new version uses the keyword its model holds
        holder = version_of is None and await self.keywords.holder(account_id, form.keyword)
        taken = f"you already have a training or model with the keyword {form.keyword!r}"
        return CheckedSet(
            check_id=check_id,
            keyword=form.keyword,
            keyword_problem=taken if holder else None,
            warnings=form.warnings,
            report=answer.report,
            price=Price.of(account, self.catalog.get(form.base)),
            photos_deleted_after=answer.originals_deleted_after,
        )
