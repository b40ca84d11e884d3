"""A worker service's stores: its MongoDB database and the object bucket, from its settings.

A composition root builds `Stores` only for the ports a test did not hand in, and enters
`ready()` in its lifespan: MongoDB and the bucket must answer before the service consumes
anything (a wrong address fails the start, not the first job); the client closes on stop.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from minio import Minio
from pymongo import AsyncMongoClient

from contracts.settings import StorageSettings
from contracts.storage import S3ObjectStore


class Stores:
    def __init__(self, settings: StorageSettings, service: str):
        self.mongo = AsyncMongoClient(settings.mongo_url)  # connects on first use
        self.db = self.mongo[settings.database(service)]
        self.s3 = Minio(**settings.minio_kwargs())
        self.bucket = settings.s3_bucket
        self.objects = S3ObjectStore(self.s3, self.bucket)

    def ready(self):
        return stores_ready(self.mongo, self.s3, self.bucket)


@asynccontextmanager
async def stores_ready(mongo: AsyncMongoClient, s3: Minio, bucket: str) -> AsyncIterator[None]:
    try:
        await mongo.admin.command("ping")
        if not await asyncio.to_thread(s3.bucket_exists, bucket):
            raise RuntimeError(f"bucket {bucket!r} does not exist")
        yield
    finally:
        await mongo.close()
