"""The test proxy itself (tests/uploads/cutproxy.py): when the server's end of a connection goes
away, the client's end must go away too, or a client waiting for an answer waits forever (what
made the SIGKILL test in test_tus_clients.py hang now and then on S3, where the server reads a
whole chunk before answering)."""

from __future__ import annotations

import socket
import threading

from tests.uploads.cutproxy import CutProxy

REQUEST = b"x" * 300_000


def _dying_server() -> tuple[socket.socket, threading.Event]:
    """Accepts one connection, reads the whole request, then dies without answering."""
    listener = socket.create_server(("127.0.0.1", 0))
    read = threading.Event()

    def serve():
        conn, _ = listener.accept()
        got = 0
        while got < len(REQUEST):
            got += len(conn.recv(65536))
        read.set()
        conn.close()  # as the kernel does for a SIGKILLed process

    threading.Thread(target=serve, daemon=True).start()
    return listener, read


def test_a_client_waiting_for_its_answer_sees_the_server_go():
    listener, read = _dying_server()
    proxy = CutProxy(listener.getsockname()[1]).start()
    try:
        client = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
        client.sendall(REQUEST)
        assert read.wait(10)
        try:
            answer = client.recv(10)  # TimeoutError here is the bug: the connection was left open
        except ConnectionResetError:
            answer = b""
        assert answer == b""
        client.close()
    finally:
        proxy.stop()
        listener.close()


def test_a_cut_resets_both_ends_and_new_connections_work():
    accepted: list[socket.socket] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    proxy = CutProxy(listener.getsockname()[1], cut_at=[100_000]).start()
    try:
        client = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
        try:
            client.sendall(REQUEST)
            outcome = client.recv(10)
        except (ConnectionResetError, BrokenPipeError):
            outcome = b""
        assert outcome == b"" and proxy.cuts == 1
        again = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
        again.sendall(b"hello")
        again.close()
    finally:
        proxy.stop()
        listener.close()
