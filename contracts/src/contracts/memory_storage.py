"""Objects in memory: the object store for tests without an S3 server (the port suite in
contracts/tests holds it to S3ObjectStore's behaviour)."""


class MemoryObjectStore:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    async def size(self, key: str) -> int | None:
        return len(self.objects[key][0]) if key in self.objects else None

    async def get(self, key: str) -> bytes | None:
        return self.objects[key][0] if key in self.objects else None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (bytes(data), content_type)

    async def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.objects.pop(key, None)

    async def delete_prefix(self, prefix: str) -> int:
        keys = [key for key in self.objects if key.startswith(prefix)]
        for key in keys:
            del self.objects[key]
        return len(keys)
