"""One contract, two object stores: the in-memory fake and S3 (the real embedded server)
behave the same, so services tested on the fake say something about production."""

import uuid

import pytest

from aitrain_local import servers
from contracts.memory_storage import MemoryObjectStore
from contracts.storage import S3ObjectStore


@pytest.fixture(params=["memory", pytest.param("s3", marks=pytest.mark.integration)])
def store(request):
    if request.param == "memory":
        return MemoryObjectStore(), ""
    embedded = request.getfixturevalue("embedded")
    client = servers.s3_client(embedded.s3_endpoint, embedded.s3)
    return S3ObjectStore(client, embedded.bucket), f"port-{uuid.uuid4().hex[:10]}/"


async def test_an_object_reads_back_as_written(store):
    objects, root = store
    await objects.put(f"{root}a/1.png", b"\x89PNG...", "image/png")
    assert await objects.get(f"{root}a/1.png") == b"\x89PNG..."
    assert await objects.size(f"{root}a/1.png") == 7
    await objects.put(f"{root}a/1.png", b"new", "image/png")  # replaced
    assert await objects.get(f"{root}a/1.png") == b"new"


async def test_a_missing_object_is_none_not_an_error(store):
    objects, root = store
    assert await objects.get(f"{root}nothing") is None
    assert await objects.size(f"{root}nothing") is None


async def test_deleting_a_prefix_takes_everything_under_it_and_nothing_else(store):
    objects, root = store
    for key in ("m/1/w", "m/1/s/1.png", "m/10/w", "m/2/w"):
        await objects.put(f"{root}{key}", b"x", "application/octet-stream")
    assert await objects.delete_prefix(f"{root}m/1/") == 2
    assert await objects.get(f"{root}m/1/w") is None
    assert await objects.get(f"{root}m/10/w") == b"x"
    assert await objects.delete_prefix(f"{root}m/1/") == 0


async def test_deleting_keys_takes_exactly_those(store):
    objects, root = store
    for key in ("o/01", "o/010", "o/02"):
        await objects.put(f"{root}{key}", b"x", "application/octet-stream")
    await objects.delete([f"{root}o/01", f"{root}o/02", f"{root}o/missing"])
    assert await objects.get(f"{root}o/01") is None and await objects.get(f"{root}o/02") is None
    assert await objects.get(f"{root}o/010") == b"x"
