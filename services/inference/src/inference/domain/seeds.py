"""Seeds: output i of a request uses seed + i, so each image can be made again alone. A
request without a seed gets one derived from its id: a redelivered request (after a crash)
draws the same images instead of new ones. Any seed the API takes (0 to 2^32 - 1) is used as
given; only seed + i past the top wraps to 0."""

import hashlib

MAX_SEED = 2**32 - 1  # the gateway's GenerationRequest.seed range; torch takes up to 2^64


def seeds_for(generation_id: str, seed: int | None, outputs: int) -> list[int]:
    if seed is None:
        seed = int.from_bytes(hashlib.sha256(generation_id.encode()).digest()[:4]) % MAX_SEED
    return [(seed + i) % (MAX_SEED + 1) for i in range(outputs)]
