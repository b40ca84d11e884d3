"""Object storage as the gateway uses it: raw uploads in, short-lived download links out."""

import asyncio
from datetime import timedelta
from typing import BinaryIO

from minio import Minio


class S3Uploads:
    def __init__(self, client: Minio, bucket: str):
        self.client, self.bucket = client, bucket

    async def put(self, key: str, stream: BinaryIO, size: int) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            self.bucket,
            key,
            stream,
            size,
            content_type="application/octet-stream",
        )


class S3Links:
    """Presigned GET URLs, signed for the address clients use (S3_PUBLIC_ENDPOINT), which may
    differ from the one the services use inside a cluster; signing needs no request."""

    def __init__(self, client: Minio, bucket: str, ttl: timedelta):
        self.client, self.bucket, self.ttl = client, bucket, ttl
        self.ttl_s = ttl.total_seconds()

    def url(self, key: str, download_as: str | None = None) -> str:
        headers = None
        if download_as:  # the object store answers it as a download under this name
            headers = {"response-content-disposition": f'attachment; filename="{download_as}"'}
        return self.client.presigned_get_object(
            self.bucket, key, expires=self.ttl, response_headers=headers
        )
