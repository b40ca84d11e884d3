"""The storage the trainer needs, as small ports (MinIO/S3 and MongoDB adapters)."""

from typing import Protocol


class ObjectStore(Protocol):
    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def delete_prefix(self, prefix: str) -> int: ...


class JobRecords(Protocol):
    async def start(self, training_id: str) -> int:
        """Count a start; returns the number of earlier starts."""

    async def outcome(self, training_id: str) -> dict | None:
        """The outcome event (JSON) the job ended with, if it ended."""

    async def finish(self, training_id: str, outcome: dict) -> None: ...
