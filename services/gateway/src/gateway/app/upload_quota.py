"""How much one account may upload: sets and bytes per rolling 24 hours.

Checked before a single byte of an upload is read (from its Content-Length), counted once
the training is started; an account over its quota gets a 429 saying when it may upload
again. Uploads are checked for free, so without a quota one account could fill the object
store (originals are kept until checked, rejected sets for a grace period).
"""

import time
from dataclasses import dataclass

from gateway.domain.errors import Throttled
from gateway.ports import UploadUsage

DAY_S = 24 * 3600.0


@dataclass(frozen=True)
class Quota:
    sets_per_day: int = 20
    bytes_per_day: int = 2 * 1024**3


@dataclass
class UploadQuotas:
    usage: UploadUsage
    quota: Quota

    async def check(self, account_id: str, announced_bytes: int) -> None:
        now = time.time()
        recent = await self.usage.since(account_id, now - DAY_S)
        sets, used = len(recent), sum(size for _, size in recent)
        if sets < self.quota.sets_per_day and used + announced_bytes <= self.quota.bytes_per_day:
            return
        # the wait: until enough of the oldest uploads have left the window
        wait_until = now + DAY_S
        for at, size in sorted(recent):
            sets, used = sets - 1, used - size
            if (
                sets < self.quota.sets_per_day
                and used + announced_bytes <= self.quota.bytes_per_day
            ):
                wait_until = at + DAY_S
                break
        gib = self.quota.bytes_per_day / 1024**3
        raise Throttled(
            f"upload quota reached: {self.quota.sets_per_day} training sets or {gib:g} GiB "
            "per 24 hours; try again later",
            retry_after_s=max(1, int(wait_until - now) + 1),
        )

    async def count(self, account_id: str, upload_id: str, size: int) -> None:
        await self.usage.add(account_id, upload_id, size, time.time())
