"""Records worth nothing after a time carry `expire_at`, a BSON date under a TTL index:
MongoDB deletes each soon after that time (its TTL monitor runs once a minute), so expired
sessions, set-password links, sign-in failures, old payment events and upload usage, and
abandoned idempotency claims are not kept forever. The code still compares the epoch times
it reads (a document may outlive its time by that minute). The embedded server (nx-27017)
honours TTL indexes too: an expired document is gone at its next read.
"""

from datetime import UTC, datetime

from pymongo.asynchronous.collection import AsyncCollection

FIELD = "expire_at"


def expire_at(epoch_s: float) -> dict[str, datetime]:
    """The field to store in a document that may go at `epoch_s`."""
    return {FIELD: datetime.fromtimestamp(epoch_s, UTC)}


async def ttl_index(collection: AsyncCollection) -> None:
    await collection.create_index(FIELD, expireAfterSeconds=0)
