"""The counting rules, as pure functions over event rows of one UTC day (docs/analytics.md).

Downloads follow the IAB Podcast Measurement Technical Guidelines v2.2: per listener key and
episode, within a 24-hour window (the UTC day, which is also the life of a listener key's salt),
requests count together once they have fetched one minute of audio; probes, bots and failed
requests never count; an Apple Watch download is dropped when a non-watch download of the same
episode came from the same network that day. Plays without a `play` event come from the bytes a
play session fetched (30 s of audio)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

DOWNLOAD_SECONDS = 60
PLAY_SECONDS = 30
SERVED = (200, 206)


@dataclass
class Coverage:
    """The union of audio byte ranges fetched so far (merged, sorted)."""

    spans: list[list[int]] = field(default_factory=list)
    total: int = 0

    def add(self, start: int, end: int) -> None:
        """Add [start, end); `total` is the union's length."""
        if end <= start:
            return
        if not self.spans:
            self.spans, self.total = [[start, end]], end - start
            return
        merged: list[list[int]] = []
        for s, e in sorted([*self.spans, [start, end]]):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.spans = merged
        self.total = sum(e - s for s, e in merged)


def counts(row) -> bool:
    """A delivery request that may add audio: served bytes, not a probe, not a bot."""
    return (row.status in SERVED and row.bytes_sent > 0 and not row.probe and not row.is_bot
            and row.method == "GET")


def need(object_size: int, audio_offset: int, bytes_per_second: int, seconds: int) -> int:
    """Audio bytes that make `seconds` of a variant: its bitrate × seconds, or all the audio when
    the file is shorter; all of the file when the bitrate is unknown. Always ≥ 1."""
    audio = max(0, object_size - audio_offset) if object_size else 0
    if bytes_per_second <= 0:
        return audio or 1
    wanted = bytes_per_second * seconds
    return min(wanted, audio) if audio else wanted


def threshold(row, seconds: int) -> int:
    """`need` for the row's variant."""
    return need(row.object_size, row.audio_offset, row.bytes_per_second, seconds)


def audio_range(range_start: int, bytes_sent: int, object_size: int, audio_offset: int) -> tuple[int, int]:
    """The audio bytes [start, end) a request fetched: past the header, within the file."""
    end = range_start + bytes_sent
    if object_size and end > object_size:
        end = object_size
    return (range_start if range_start > audio_offset else audio_offset), end


def _audio(row) -> tuple[int, int]:
    return audio_range(row.range_start, row.bytes_sent, row.object_size, row.audio_offset)


class Crossings:
    """The crossing rule, fed one counting request at a time in time order: per group (listener
    and track, or play session and track), the audio fetched from each of its files (variants) is
    a union of byte ranges, since offsets in two encodings are not the same audio; the request
    whose range makes one file's union reach `need` bytes makes the group's download (or play),
    and later requests of the group are ignored. Groups whose first request crosses alone (the
    common case) never build a `Coverage`."""

    __slots__ = ("done", "open")

    def __init__(self):
        self.done: set = set()
        self.open: dict = {}

    def feed(self, group, variant, start: int, end: int, need: int) -> bool:
        """Add one request's audio range; True when it made the group cross."""
        if group in self.done:
            return False
        cov = self.open.get((group, variant))
        if cov is None:
            if end - start >= need:
                self.done.add(group)
                return True
            cov = self.open[(group, variant)] = Coverage()
        cov.add(start, end)
        if cov.total >= need:
            self.done.add(group)
            return True
        return False


def crossings(rows: Iterable, key, seconds: int, checked: bool = False) -> list:
    """For each group (`key(row)`), the row at which the fetched audio of one of its files first
    reached `seconds` worth (`Crossings`): the request that made the download (or play).
    `rows` in time order."""
    state, out = Crossings(), []
    for row in rows:
        if not checked and not counts(row):  # checked: the caller's query kept only counting rows
            continue
        if state.feed(key(row), row.variant, *_audio(row), threshold(row, seconds)):
            out.append(row)
    return out


def without_watch_duplicates(made: list, network, track, is_watch) -> list:
    """Apple Watch rule: drop a watch download when a non-watch download of the same track came
    from the same network key that day (`made`: the day's downloads, accessors for their fields)."""
    phones = {(network(r), track(r)) for r in made if not is_watch(r)}
    return [r for r in made if not (is_watch(r) and (network(r), track(r)) in phones)]


def downloads(rows: list, checked: bool = False) -> list:
    """The rows that made an IAB download, Apple Watch duplicates removed."""
    made = crossings(rows, lambda r: (r.listener_key, r.track_id), DOWNLOAD_SECONDS, checked)
    return without_watch_duplicates(made, lambda r: r.network_key, lambda r: r.track_id, lambda r: r.is_watch)


def session_plays(rows: list, played: set, checked: bool = False) -> list:
    """Rows that made a play for play sessions that sent no `play` event for that track."""
    mine = [r for r in rows if r.play_session_id is not None and (r.play_session_id, r.track_id) not in played]
    return crossings(mine, lambda r: (r.play_session_id, r.track_id), PLAY_SECONDS, checked)


STARTUP_BUCKETS = (50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000)


def percentile(values: list[int], p: float) -> int | None:
    """Nearest-rank percentile."""
    return percentiles(values, p)[0] if values else None


def percentiles(values: list[int], *ps: float) -> list[int]:
    """`percentile` of non-empty `values` for each of `ps`, sorting once."""
    ordered, n = sorted(values), len(values)
    return [ordered[int(max(1, -(-n * p // 100))) - 1] for p in ps]


def histogram(values: list[int]) -> list[int]:
    """Counts per STARTUP_BUCKETS upper bound (ms), the last for anything slower."""
    hist = [0] * (len(STARTUP_BUCKETS) + 1)
    for v in values:
        hist[bisect_left(STARTUP_BUCKETS, v)] += 1  # the first bound ≥ v, or the last slot
    return hist


def hist_percentile(hist: list[int], p: float) -> int | None:
    """A percentile from merged histograms: the bucket bound it falls in (the last: its floor)."""
    total = sum(hist)
    if not total:
        return None
    rank, seen = max(1, -(-total * p // 100)), 0
    for i, c in enumerate(hist):
        seen += c
        if seen >= rank:
            return STARTUP_BUCKETS[min(i, len(STARTUP_BUCKETS) - 1)]
    return STARTUP_BUCKETS[-1]
