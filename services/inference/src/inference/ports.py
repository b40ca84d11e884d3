"""The storage the inference service needs, as small ports (MinIO/S3 and MongoDB adapters)."""

from typing import Protocol


class ObjectStore(Protocol):
    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...


class GenerationRecords(Protocol):
    async def outcome(self, generation_id: str) -> dict | None:
        """The outcome event (JSON) the request ended with, if it ended."""

    async def finish(self, generation_id: str, outcome: dict) -> None: ...
