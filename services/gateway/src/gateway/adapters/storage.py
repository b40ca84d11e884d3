"""Object storage as the gateway uses it: raw uploads in, short-lived download links out
(blocking minio calls: run them in a thread)."""

from datetime import timedelta
from typing import BinaryIO

from minio import Minio


class UploadStorage:
    def __init__(self, client: Minio, bucket: str):
        self.client = client
        self.bucket = bucket

    def put_stream(self, key: str, stream: BinaryIO, size: int) -> None:
        self.client.put_object(
            self.bucket, key, stream, size, content_type="application/octet-stream"
        )


class LinkSigner:
    """Presigned GET URLs, signed for the address clients use (S3_PUBLIC_ENDPOINT), which may
    differ from the one the services use inside a cluster; signing needs no request."""

    def __init__(self, client: Minio, bucket: str, ttl: timedelta):
        self.client, self.bucket, self.ttl = client, bucket, ttl

    def url(self, key: str) -> str:
        return self.client.presigned_get_object(self.bucket, key, expires=self.ttl)
