"""Raw uploads into S3-compatible storage (blocking minio calls: run them in a thread)."""

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
