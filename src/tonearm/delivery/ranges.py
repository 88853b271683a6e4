"""The Range header of a byte request, parsed as Starlette's FileResponse parses it.

/d/{name} checks the header before answering, so that a malformed or unsatisfiable range gets
the JSON error envelope (400 / 416) instead of FileResponse's plain text, and streams the one
range itself when the bytes do not come from a local file. The rules are FileResponse's (as of
Starlette 1.x), so a header accepted here is served the same way by FileResponse: parts without
a dash, blank or non-numeric parts are skipped; `-N` is the last N bytes; an end past the file is
the file's end; several ranges come back sorted with overlapping ones merged."""

from __future__ import annotations

from tonearm.errors import Invalid, RangeNotSatisfiable

MAX_RANGES = 32  # Tonearm's limit (FileResponse's own is 100: past it the header is ignored)


def parse_range(header: str, size: int) -> list[tuple[int, int]]:
    """The ranges of `header` in a `size`-byte file as (start, end-exclusive) pairs.

    Raises Invalid (400) for a malformed header or more than MAX_RANGES ranges, and
    RangeNotSatisfiable (416, with `Content-Range: bytes */size`) when a range starts at or
    past the end of the file."""
    if header.count(",") >= MAX_RANGES:
        raise Invalid(f"At most {MAX_RANGES} ranges per request")
    units, eq, spec = header.partition("=")
    if not eq or units.strip().lower() != "bytes":
        raise Invalid("Malformed Range header")
    ranges = [r for r in (_one(part.strip(), size) for part in spec.split(",")) if r is not None]
    if not ranges:
        raise Invalid("Malformed Range header")
    if any(not 0 <= start < size for start, _ in ranges):
        raise RangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
    if any(start >= end for start, end in ranges):
        raise Invalid("Malformed Range header")
    return _merged(ranges)


def _one(part: str, size: int) -> tuple[int, int] | None:
    """One `start-end`, `start-` or `-suffix` part; None for a part FileResponse skips."""
    if "-" not in part or part == "-":
        return None
    first, _, last = part.partition("-")
    first, last = first.strip(), last.strip()
    try:
        if not first:
            return max(size - int(last), 0), size
        start = int(first)
        end = int(last) + 1 if last and int(last) < size else size
    except ValueError:
        return None
    return start, end


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if len(ranges) == 1:
        return ranges
    ranges = sorted(ranges)
    out = [ranges[0]]
    for start, end in ranges[1:]:
        last_start, last_end = out[-1]
        if start <= last_end:
            out[-1] = (last_start, max(last_end, end))
        else:
            out.append((start, end))
    return out
