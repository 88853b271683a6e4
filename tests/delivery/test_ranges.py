"""delivery.ranges: Tonearm's Range parser, held to FileResponse's rules; and what /d/ answers."""

from __future__ import annotations

import pytest
from starlette.responses import FileResponse, MalformedRangeHeader
from starlette.responses import RangeNotSatisfiable as StarletteUnsatisfiable

from tests.delivery.test_routes import DATA, urls  # noqa: F401  (fixture)
from tonearm.delivery.ranges import MAX_RANGES, parse_range
from tonearm.errors import Invalid, RangeNotSatisfiable

SIZE = 1000

EXPECTED = {
    "bytes=0-99": [(0, 100)],
    "bytes=100-": [(100, SIZE)],
    "bytes=-50": [(950, SIZE)],
    "bytes=-5000": [(0, SIZE)],
    "bytes=990-5000": [(990, SIZE)],
    "BYTES = 1-1": [(1, 2)],
    "bytes=0-9,20-29": [(0, 10), (20, 30)],
    "bytes=20-29,0-9": [(0, 10), (20, 30)],  # sorted
    "bytes=0-9,5-19,19-25": [(0, 26)],  # overlapping ones merged
    "bytes=0-9, ,x,-,a-b,30-": [(0, 10), (30, SIZE)],  # unreadable parts skipped
}
MALFORMED = ("items=0-1", "bytes", "bytes=", "bytes=abc", "bytes=-", "bytes=5-2", "bytes=,", "0-1", "bytes=0-1=2")
UNSATISFIABLE = (f"bytes={SIZE}-", "bytes=-0", f"bytes=0-1,{SIZE + 5}-{SIZE + 9}", "bytes=5000-6000")


@pytest.mark.parametrize("header", sorted(EXPECTED))
def test_ranges(header):
    assert parse_range(header, SIZE) == EXPECTED[header]


@pytest.mark.parametrize("header", MALFORMED)
def test_malformed(header):
    with pytest.raises(Invalid, match="Malformed Range header"):
        parse_range(header, SIZE)


@pytest.mark.parametrize("header", UNSATISFIABLE)
def test_unsatisfiable(header):
    with pytest.raises(RangeNotSatisfiable) as info:
        parse_range(header, SIZE)
    assert info.value.headers == {"Content-Range": f"bytes */{SIZE}"}


def test_empty_file_satisfies_no_range():
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=0-", 0)


def test_too_many_ranges():
    allowed = "bytes=" + ",".join(f"{i * 3}-{i * 3}" for i in range(MAX_RANGES))
    assert len(parse_range(allowed, SIZE)) == MAX_RANGES
    with pytest.raises(Invalid, match="At most"):
        parse_range(allowed + ",200-300", SIZE)


def _starlette(header: str, size: int):
    try:
        return FileResponse._parse_range_header(header, size)
    except MalformedRangeHeader:
        return "400"
    except StarletteUnsatisfiable:
        return "416"


def _ours(header: str, size: int):
    try:
        return parse_range(header, size)
    except RangeNotSatisfiable:
        return "416"
    except Invalid:
        return "400"


ODD = ("bytes=+5-10", "bytes=5--3", "bytes=--5", "bytes= 0 - 9 ", "bytes=0-5-7", "bytes=1_0-2_0", "bytes=0-0,-1",
       "bytes=-1,0-0", "bytes=9" + "9" * 5000 + "-", "bytes=0-" + "9" * 30, "bytes=10-5,0-1", "bytes=0-1,10-5")


@pytest.mark.skipif(not hasattr(FileResponse, "_parse_range_header"), reason="Starlette's parser changed")
@pytest.mark.parametrize("header", [*EXPECTED, *MALFORMED, *UNSATISFIABLE, *ODD])
@pytest.mark.parametrize("size", [0, 1, 10, SIZE])
def test_agrees_with_file_response(header, size):
    """FileResponse parses the header again when it sends a local file: both must read it alike."""
    assert _ours(header, size) == _starlette(header, size)


# ------------------------------------------------------------------- over HTTP


def test_malformed_ranges_are_400_envelopes(client, urls):  # noqa: F811
    for bad in ("bytes", "bytes=abc", "bytes=-", "bytes=9-1,5-2", "bytes=0-1=2"):
        r = client.get(urls[0], headers={"Range": bad})
        assert r.status_code == 400, bad
        assert r.json()["ok"] is False and r.json()["message"] == "Malformed Range header"


def test_unsatisfiable_ranges_are_416_envelopes(client, urls):  # noqa: F811
    for bad in (f"bytes=0-1,{len(DATA)}-", f"bytes={len(DATA) + 100}-{len(DATA) + 200}"):
        r = client.get(urls[0], headers={"Range": bad})
        assert r.status_code == 416, bad
        assert r.headers["content-range"] == f"bytes */{len(DATA)}" and r.json()["ok"] is False


def test_multi_ranges(client, urls):  # noqa: F811
    hq = urls[0]
    merged = client.get(hq, headers={"Range": "bytes=0-9,5-19"})  # overlapping: one range
    assert merged.status_code == 206 and merged.content == DATA[:20]
    assert merged.headers["content-range"] == f"bytes 0-19/{len(DATA)}"
    most = "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(MAX_RANGES))
    r = client.get(hq, headers={"Range": most})
    assert r.status_code == 206 and r.headers["content-type"].startswith("multipart/byteranges")
    assert DATA[310:312] in r.content
    r = client.get(hq, headers={"Range": most + ",1000-1001"})
    assert r.status_code == 400 and "At most" in r.json()["message"]
    two = client.get(hq, headers=[("Range", "bytes=0-1"), ("Range", "bytes=2-3")])
    assert two.status_code == 400 and "one Range header" in two.json()["message"]


def test_head_with_range(client, urls):  # noqa: F811
    r = client.head(urls[0], headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == b"" and r.headers["content-range"] == f"bytes 100-199/{len(DATA)}"
    assert client.head(urls[0], headers={"Range": "bytes=x"}).status_code == 400
