"""The operator's bootstrap: declare the bus's streams and key-value buckets, as `admin`.

Services may only check that they exist with the topology's settings (contracts.bus.declare);
this is what creates and updates them: `make run` calls `bootstrap()` before it starts the
services, deploy/ runs `python -m contracts.bus.bootstrap` (a compose service, a k8s Job)
with NATS_URL, NATS_USER=admin, NATS_PASSWORD, AITRAIN_BUS_PREFIX and AITRAIN_STREAM_REPLICAS.
Running it again is harmless: it brings the streams back to the topology's settings.
"""

import asyncio
import sys

import nats
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError

from contracts.bus.declare import declare_streams
from contracts.bus.topology import Topology


async def bootstrap(js: JetStreamContext, topology: Topology) -> None:
    await declare_streams(js, topology)
    for config in topology.key_value_configs():
        try:
            await js.key_value(config.bucket)
        except BucketNotFoundError:
            await js.create_key_value(config)


async def bootstrap_at(url: str, topology: Topology, **credentials: str) -> None:
    """`credentials`: nats.connect's `user` and `password` (none for a server without users)."""
    nc = await nats.connect(url.split(","), **credentials)
    try:
        await bootstrap(nc.jetstream(), topology)
    finally:
        await nc.close()


def main() -> int:
    from contracts.settings import ServiceSettings  # which imports this package

    settings = ServiceSettings()
    topology = settings.topology()
    user = {"user": settings.nats_user, "password": settings.nats_password}
    asyncio.run(bootstrap_at(settings.nats_url, topology, **(user if settings.nats_user else {})))
    streams = ", ".join(config.name for config in topology.stream_configs())
    print(f"declared {streams} and the key-value buckets on {settings.nats_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
