"""A service's stores in its lifespan: MongoDB and the object bucket must answer before the
service consumes anything (a wrong address fails the start, not the first job), and the
MongoDB client closes when the service stops."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from minio import Minio
from pymongo import AsyncMongoClient


@asynccontextmanager
async def stores_ready(mongo: AsyncMongoClient, s3: Minio, bucket: str) -> AsyncIterator[None]:
    try:
        await mongo.admin.command("ping")
        if not await asyncio.to_thread(s3.bucket_exists, bucket):
            raise RuntimeError(f"bucket {bucket!r} does not exist")
        yield
    finally:
        await mongo.close()
