"""A render process: `python -m tonearm.processing.render_worker PARENT_PID`.

It imports the media layer once, then answers requests from its parent (processing/renderers.py)
one at a time over its stdin and stdout: each message is an 8-byte big-endian length and a
pickle. A request is `(src, specs, workdir, info)`; the answer `("ok", RenderResult)` or
`("error", exception)`. It ends at end of input, and within half a second of its parent's death
(a SIGKILLed worker leaves no render running on)."""

from __future__ import annotations

import os
import pickle
import struct
import sys
import threading
import time

HEADER = struct.Struct(">Q")


def read_message(stream):
    """The next message's object, or EOFError at a clean end of input."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        raise EOFError
    (size,) = HEADER.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        raise EOFError
    return pickle.loads(body)


def write_message(stream, value) -> None:
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)


def _answer(request):
    from tonearm.media import MediaError, render

    src, specs, workdir, info = request
    try:
        return "ok", render(src, specs, workdir=workdir, info=info)
    except MediaError as exc:
        return "error", exc
    except Exception as exc:  # noqa: BLE001 - sent back to the job, which decides
        return "error", RuntimeError(f"{type(exc).__name__}: {exc}")


def main(argv: list[str]) -> None:
    parent = int(argv[0])
    threading.Thread(target=_watch_parent, args=(parent,), name="tonearm-parent-watch", daemon=True).start()
    requests, answers = sys.stdin.buffer, os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not corrupt the answers
    from tonearm.media import render  # noqa: F401 - loads the pipeline, PyAV and numpy once, before any job

    write_message(answers, "ready")
    while True:
        try:
            request = read_message(requests)
        except EOFError:
            return
        answer = _answer(request)
        try:
            write_message(answers, answer)
        except (pickle.PicklingError, TypeError, AttributeError):  # an answer that cannot travel
            write_message(answers, ("error", RuntimeError(f"unsendable answer: {answer[1]!r}"[:500])))


if __name__ == "__main__":
    main(sys.argv[1:])
