"""A webhook receiver on loopback, as an account's server would be: it keeps every request
and answers each path with the status codes it is told, in turn (200 once they run out), or
with a redirect where it is told to send the caller elsewhere."""

import http.server
import threading
import time
from dataclasses import dataclass, field

from aitrain_local.process import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    """path: the URL a request to it is sent on to (302 Found)"""

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def wait_for(self, path: str, count: int, timeout_s: float = 60) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while len(self.on(path)) < count:
            assert time.monotonic() < deadline, f"{path}: {len(self.on(path))} of {count} came"
            time.sleep(0.1)
        return self.on(path)


def serving() -> tuple[Receiver, http.server.ThreadingHTTPServer]:
    port = free_port()
    receiver = Receiver(f"http://127.0.0.1:{port}")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            receiver.received.append(Received(self.path, dict(self.headers), body))
            if elsewhere := receiver.redirects.get(self.path):
                self.send_response(302)
                self.send_header("Location", elsewhere)
            else:
                queue = receiver.answers.get(self.path, [])
                self.send_response(queue.pop(0) if queue else 200)
            self.end_headers()

        def log_message(self, *args):  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
