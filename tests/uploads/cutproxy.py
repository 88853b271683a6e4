"""A TCP forwarder in front of a live Tonearm that drops every open connection (a reset, as a
lost Wi-Fi link looks to both ends) once the bytes sent towards the server pass given marks; new
connections keep working, so a resumable client reconnects and carries on."""

from __future__ import annotations

import socket
import threading


class CutProxy:
    def __init__(self, target_port: int, cut_at: list[int] | None = None):
        self.target = ("127.0.0.1", target_port)
        self.cut_at = sorted(cut_at or [])
        self.sent = 0  # client → server bytes, all connections
        self.cuts = 0
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> "CutProxy":
        self._listener.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        self.cut()

    def cut(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, upward: bool) -> None:
        try:
            while True:
                data = src.recv(256 * 1024)
                if not data:
                    break
                dst.sendall(data)
                if upward:
                    with self._lock:
                        self.sent += len(data)
                        due = bool(self.cut_at) and self.sent >= self.cut_at[0]
                        if due:
                            self.cut_at.pop(0)
                            self.cuts += 1
                    if due:
                        self.cut()
                        return
        except OSError:
            pass
        finally:
            # One side ended (the server died, the client left): end the other side too. shutdown()
            # first: a bare close() from this thread would not reach the peer while the sibling
            # thread is blocked in recv() on that socket (Linux keeps the connection alive until
            # that recv returns), so a client waiting for the answer to a request the dead server
            # had read in full would wait forever. shutdown() sends the FIN and wakes that recv.
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass
