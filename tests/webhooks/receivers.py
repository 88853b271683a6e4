"""Webhook receivers for the outbox tests: real HTTP servers on loopback that can hang."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SlowReceiver:
    """Answers every POST with 200 after `delays.pop(0)` seconds (0 once the list is empty).

    Requests are recorded when they arrive, before the wait; each is served on its own thread,
    so one hanging request does not hold up the next."""

    def __init__(self, delays=()):
        self.delays = list(delays)
        self.requests: list[tuple[float, dict, bytes]] = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.cond:
                    receiver.requests.append((time.monotonic(), dict(self.headers), body))
                    delay = receiver.delays.pop(0) if receiver.delays else 0
                    receiver.cond.notify_all()
                time.sleep(delay)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up (timeout) or died

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float) -> list[tuple[float, dict, bytes]]:
        with self.cond:
            self.cond.wait_for(lambda: len(self.requests) >= count, timeout)
            return list(self.requests)

    def ids(self) -> list[str]:
        return [headers["X-Tonearm-Delivery"] for _, headers, _ in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
