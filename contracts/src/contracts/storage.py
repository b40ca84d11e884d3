"""Objects in S3-compatible storage (SeaweedFS here, MinIO in production) via `minio`, for
the services that keep images and weights. One adapter, shared like the settings naming its
endpoint, so every service reads and writes objects the same way. `minio` blocks: each call
runs in a thread, off the event loop."""

import asyncio
import io

from minio import Minio
from minio.error import S3Error

_MISSING = ("NoSuchKey", "NoSuchObject", "NotFound")


class S3ObjectStore:
    def __init__(self, client: Minio, bucket: str):
        self.client = client
        self.bucket = bucket

    async def size(self, key: str) -> int | None:
        """Bytes of the object, or None when it does not exist."""
        try:
            stat = await asyncio.to_thread(self.client.stat_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise
        return stat.size

    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""

        def read() -> bytes | None:
            try:
                response = self.client.get_object(self.bucket, key)
            except S3Error as exc:
                if exc.code in _MISSING:
                    return None
                raise
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return await asyncio.to_thread(read)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            self.bucket,
            key,
            io.BytesIO(data),
            len(data),
            content_type=content_type,
        )

    async def delete(self, keys: list[str]) -> None:
        """Delete these objects (one that is not there is no error)."""

        def remove() -> None:
            for key in keys:
                self.client.remove_object(self.bucket, key)

        await asyncio.to_thread(remove)

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix`; returns how many there were."""

        def remove() -> int:
            keys = [o.object_name for o in self.client.list_objects(self.bucket, prefix, True)]
            for key in keys:
                self.client.remove_object(self.bucket, key)
            return len(keys)

        return await asyncio.to_thread(remove)
