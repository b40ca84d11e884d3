"""How the embedded S3 server's memory follows what it holds: SeaweedFS (`weed mini`, as `make
run` starts it) is given OBJECTS small PNG-sized objects in batches, and its resident memory
(RSS) is printed after each batch; then the same requests go on over the first batch's keys
only (objects held stay the same); then after a pause, and after every object is deleted.

Why: the 40-minute chaos run saw the S3 server grow about 250 MiB/h while the platform wrote
images. Growth that follows the objects held (an index) levels off with them and comes back
when they go; a leak grows with requests. Prints each phase's requests, objects held, RSS.

    .venv/bin/python scripts/measure_s3_memory.py [OBJECTS] [BATCH]
"""

import io
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from minio.deleteobjects import DeleteObject

from aitrain_local import servers
from aitrain_local.process import free_port

BUCKET, SIZE = "aitrain", 4_000  # a generated 88x48 PNG is 3-5 KB


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(pid)


def main(objects: int = 20_000, batch: int = 2_000) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data, port = Path(folder), free_port()
        creds = servers.S3Credentials("aitrain", "measure-secret")
        server = servers.s3_server(data, port, data, creds)
        server.start()
        client = servers.s3_client(f"http://127.0.0.1:{port}", creds)
        server.wait_ready(lambda: servers.s3_ready(client, BUCKET), timeout_s=60)
        pid, payload = server.popen.pid, os.urandom(SIZE)
        print(f"started at {rss_mib(pid):.0f} MiB")
        print(f"{'phase':>8} {'requests':>9} {'objects':>8} {'RSS MiB':>8}")

        def put(n: int) -> None:
            key = f"accounts/a/generations/g{n // 4}/{n % 4}.png"
            client.put_object(BUCKET, key, io.BytesIO(payload), SIZE, content_type="image/png")

        def show(phase: str, requests: int, held: int) -> None:
            print(f"{phase:>8} {requests:>9} {held:>8} {rss_mib(pid):>8.0f}")

        with ThreadPoolExecutor(8) as pool:
            for done in range(batch, objects + 1, batch):  # new objects: the index grows
                list(pool.map(put, range(done - batch, done)))
                show("new", done, done)
            for done in range(batch, objects + 1, batch):  # the same keys again: it may not
                list(pool.map(put, range(batch)))
                show("rewrite", objects + done, objects)
            time.sleep(60)
            show("idle 60s", 2 * objects, objects)
            names = [o.object_name for o in client.list_objects(BUCKET, recursive=True)]
            for first in range(0, len(names), 1000):
                doomed = [DeleteObject(n) for n in names[first : first + 1000]]
                list(client.remove_objects(BUCKET, doomed))
            time.sleep(30)
            show("deleted", 2 * objects + len(names), 0)
        server.stop()


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
