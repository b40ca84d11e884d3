"""Reading a training upload with its limits enforced while the bytes arrive.

Files are spooled (memory, then disk) as they stream in; a file over its limit, one file
too many, or a request over its total size is refused at that moment with 413, before the
rest is read. Each file's SHA-256 is computed on the way (the request's fingerprint for
Idempotency-Key checks).
"""

import hashlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from contracts.limits import MAX_IMAGE_BYTES, MAX_IMAGES

MAX_FILE_BYTES = MAX_IMAGE_BYTES
MAX_FILES = 2 * MAX_IMAGES  # each image may bring a caption file
MAX_REQUEST_BYTES = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024
MAX_FIELD_BYTES = 4096


class TooLarge(Exception):
    """A limit was crossed while streaming; the message says which."""


class LimitedParser(MultiPartParser):
    """Starlette's parser, plus a per-file byte limit checked on every chunk."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.digests: dict[int, hashlib._Hash] = {}
        self.sizes: dict[int, int] = {}

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current_part
        if part.file is not None:
            size = self.sizes.get(id(part.file), 0) + (end - start)
            if size > MAX_FILE_BYTES:
                limit = f"{MAX_FILE_BYTES // 2**20} MB"
                raise TooLarge(f"'{part.file.filename}' is over {limit}; export a smaller image")
            self.sizes[id(part.file)] = size
            self.digests.setdefault(id(part.file), hashlib.sha256()).update(data[start:end])
        super().on_part_data(data, start, end)


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[UploadFile, str]] = field(default_factory=list)
    """Each file with the hex SHA-256 of its bytes."""

    def close(self) -> None:
        for file, _ in self.files:
            file.file.close()


async def _limited(request: Request) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > MAX_REQUEST_BYTES:
            raise TooLarge(f"the request is over {MAX_REQUEST_BYTES // 2**20} MB")
        yield chunk


async def read_upload(request: Request) -> Upload:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(415, "send the training as multipart/form-data")
    declared = int(request.headers.get("content-length") or 0)
    if declared > MAX_REQUEST_BYTES:
        raise HTTPException(413, f"the request is over {MAX_REQUEST_BYTES // 2**20} MB")
    parser = LimitedParser(
        request.headers,
        _limited(request),
        max_files=MAX_FILES,
        max_fields=10,
        max_part_size=MAX_FIELD_BYTES,
    )
    try:
        form = await parser.parse()
    except TooLarge as exc:
        raise HTTPException(413, str(exc)) from exc
    except MultiPartException as exc:
        if exc.message.startswith("Too many files"):  # a size limit, as README promises: 413
            limit = f"at most {MAX_FILES} files (images and their captions)"
            raise HTTPException(413, f"too many files: send {limit}") from exc
        raise HTTPException(422, f"the upload could not be read: {exc.message}") from exc
    upload = Upload()
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            digest = parser.digests.get(id(value), hashlib.sha256()).hexdigest()
            upload.files.append((value, digest))
        else:
            upload.fields[name] = value
    return upload
