"""The counting rules, as pure functions over event rows of one UTC day (docs/analytics.md).

Downloads follow the IAB Podcast Measurement Technical Guidelines v2.2: per listener key and
episode, within a 24-hour window (the UTC day, which is also the life of a listener key's salt),
requests count together once they have fetched one minute of audio; probes, bots and failed
requests never count; an Apple Watch download is dropped when a non-watch download of the same
episode came from the same network that day. Plays without a `play` event come from the bytes a
play session fetched (30 s of audio)."""

from __future__ import annotations

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


def threshold(row, seconds: int) -> int:
    """Audio bytes that make `seconds` of the row's variant: its bitrate × seconds, or all the
    audio when the file is shorter; all of the file when the bitrate is unknown."""
    audio = max(0, row.object_size - row.audio_offset) if row.object_size else 0
    if row.bytes_per_second <= 0:
        return audio or 1
    need = row.bytes_per_second * seconds
    return min(need, audio) if audio else need


def _audio(row) -> tuple[int, int]:
    start = max(row.range_start, row.audio_offset)
    end = row.range_start + row.bytes_sent
    if row.object_size:
        end = min(end, row.object_size)
    return start, end


def crossings(rows: Iterable, key, seconds: int, checked: bool = False) -> list:
    """For each group (`key(row)`), the row at which the fetched audio of one of its files first
    reached `seconds` worth: the request that made the download (or play). Byte ranges add up per
    file (variant), since offsets in two encodings are not the same audio. `rows` in time order."""
    seen: dict = {}
    done: set = set()
    out = []
    for row in rows:
        if not checked and not counts(row):  # checked: the caller's query kept only counting rows
            continue
        k = key(row)
        if k in done:
            continue
        cov = seen.setdefault((k, row.variant), Coverage())
        cov.add(*_audio(row))
        if cov.total >= threshold(row, seconds):
            done.add(k)
            out.append(row)
    return out


def downloads(rows: list, checked: bool = False) -> list:
    """The rows that made an IAB download, Apple Watch duplicates removed."""
    made = crossings(rows, lambda r: (r.listener_key, r.track_id), DOWNLOAD_SECONDS, checked)
    phones = {(r.network_key, r.track_id) for r in made if not r.is_watch}
    return [r for r in made if not (r.is_watch and (r.network_key, r.track_id) in phones)]


def session_plays(rows: list, played: set, checked: bool = False) -> list:
    """Rows that made a play for play sessions that sent no `play` event for that track."""
    mine = [r for r in rows if r.play_session_id is not None and (r.play_session_id, r.track_id) not in played]
    return crossings(mine, lambda r: (r.play_session_id, r.track_id), PLAY_SECONDS, checked)


STARTUP_BUCKETS = (50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000)


def percentile(values: list[int], p: float) -> int | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def histogram(values: list[int]) -> list[int]:
    """Counts per STARTUP_BUCKETS upper bound (ms), the last for anything slower."""
    hist = [0] * (len(STARTUP_BUCKETS) + 1)
    for v in values:
        i = next((n for n, b in enumerate(STARTUP_BUCKETS) if v <= b), len(STARTUP_BUCKETS))
        hist[i] += 1
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
