"""An HTTP forwarder that can misbehave on purpose: in front of an S3 server (moto) it passes
requests through, answers 503 SlowDown, or hangs before answering, as a failing S3 does."""

from __future__ import annotations

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code>'
             b"<Message>Please reduce your request rate.</Message></Error>")


class FaultyHttpProxy:
    def __init__(self, target: str):
        parts = urlsplit(target)
        self.target = (parts.hostname, parts.port)
        self.mode = "pass"  # "pass" | "503" | "hang"
        self.hang_seconds = 10.0
        self.hang_once = False
        self.counts = {"pass": 0, "503": 0, "hang": 0}
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args):
                pass

            def _any(self):
                proxy._handle(self)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FaultyHttpProxy":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        with self._lock:
            mode = self.mode
            self.counts[mode] += 1
            if mode == "hang" and self.hang_once:
                self.mode = "pass"
        if mode == "503":
            req.send_response(503)
            req.send_header("Content-Type", "application/xml")
            req.send_header("Content-Length", str(len(SLOW_DOWN)))
            req.end_headers()
            if req.command != "HEAD":
                req.wfile.write(SLOW_DOWN)
            return
        if mode == "hang":
            time.sleep(self.hang_seconds)
        conn = http.client.HTTPConnection(*self.target, timeout=60)
        headers = {k: v for k, v in req.headers.items() if k.lower() not in HOP}
        conn.request(req.command, req.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        req.send_response(resp.status)
        head = req.command == "HEAD"  # a HEAD answer keeps the object's Content-Length
        for k, v in resp.getheaders():
            if k.lower() not in HOP and (head or k.lower() != "content-length"):
                req.send_header(k, v)
        if not head:
            req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        if req.command != "HEAD":
            req.wfile.write(data)
        conn.close()
