"""The storage the dataset service needs, as small ports (MinIO/S3 and MongoDB adapters)."""

from typing import Protocol


class ObjectStore(Protocol):
    async def size(self, key: str) -> int | None:
        """Bytes of the object, or None when it does not exist."""

    async def get(self, key: str) -> bytes: ...

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
    async def delete(self, keys: list[str]) -> None:
        """Delete these objects (one that is not there is no error)."""


class DatasetRecords(Protocol):
    async def save(self, dataset_id: str, record: dict) -> None:
        """Create or replace the record of one dataset (its status, report, processed keys)."""

    async def get(self, dataset_id: str) -> dict | None:
        """The record as last saved (without its id), or None."""

    async def due_originals(self, now: float) -> list[tuple[str, list[str]]]:
        """(dataset, keys) of the uploaded originals due for deletion: `originals_due_at`
        passed and `originals_deleted_at` not set."""

    async def originals_deleted(self, dataset_id: str, now: float) -> None:
        """Note that the dataset's originals are gone (sets `originals_deleted_at`)."""
