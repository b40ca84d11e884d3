"""The object storage the inference service needs, as a small port (`contracts.storage` adapts
MinIO/S3; request records go through `contracts.jobs.OutcomeRecords`)."""

from typing import Protocol


class ObjectStore(Protocol):
    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
