"""The storage the dataset service needs, as small ports (MinIO/S3 and MongoDB adapters)."""

from typing import Protocol


class ObjectStore(Protocol):
    async def size(self, key: str) -> int | None:
        """Bytes of the object, or None when it does not exist."""

    async def get(self, key: str) -> bytes: ...

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...


class DatasetRecords(Protocol):
    async def save(self, dataset_id: str, record: dict) -> None:
        """Create or replace the record of one dataset (its status, report, processed keys)."""

    async def get(self, dataset_id: str) -> dict | None:
        """The record as last saved (without its id), or None."""
