"""The IAB v2.2 download rules and the session-play rule, each with a case that must not count."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from tonearm.analytics import counting
from tonearm.analytics.listener import classify_agent

T0 = dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)
TRACK = uuid.uuid4()
BPS_128 = 16_000  # 128 kbit/s
PHONE_UA = "AppleCoreMedia/1.0.0.21A329 (iPhone; U; CPU OS 17_0 like Mac OS X; en_us)"
WATCH_UA = "atc/1.0 watchOS/9.0 model/Watch6,1 hwp/t8301 build/20R362 (6; dt:272) AirPodcasts/1.0"
BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@dataclass
class Row:
    listener_key: str = "L1"
    network_key: str = "N1"
    track_id: uuid.UUID = TRACK
    variant: str = "lq"
    play_session_id: uuid.UUID | None = None
    at: dt.datetime = T0
    status: int = 206
    method: str = "GET"
    probe: bool = False
    is_bot: bool = False
    is_watch: bool = False
    range_start: int = 0
    bytes_sent: int = 0
    object_size: int = 3_000_000
    audio_offset: int = 0
    bytes_per_second: int = BPS_128
    extra: dict = field(default_factory=dict)


def test_one_minute_of_audio_counts_and_less_does_not():
    assert counting.downloads([Row(bytes_sent=60 * BPS_128)])
    assert not counting.downloads([Row(bytes_sent=60 * BPS_128 - 1)])


def test_the_threshold_follows_the_bitrate_and_skips_the_header():
    # 64 kbit/s: half the bytes make a minute
    assert counting.downloads([Row(bytes_sent=60 * 8_000, bytes_per_second=8_000)])
    # a 100 kB ID3 tag does not count as audio
    assert not counting.downloads([Row(bytes_sent=60 * BPS_128, audio_offset=100_000)])
    assert counting.downloads([Row(bytes_sent=60 * BPS_128 + 100_000, audio_offset=100_000)])


def test_a_file_shorter_than_a_minute_counts_when_fetched_whole_only():
    short = dict(object_size=20 * BPS_128 + 500, audio_offset=500)
    assert counting.downloads([Row(bytes_sent=20 * BPS_128 + 500, **short)])
    assert not counting.downloads([Row(bytes_sent=10 * BPS_128, **short)])


def test_probe_ranges_are_ignored():
    probes = [Row(probe=True, range_start=0, bytes_sent=2) for _ in range(5)]
    assert counting.downloads(probes) == []
    # a probe flag excludes even a large answer (a 0-1 request the server answered in full)
    assert counting.downloads([Row(probe=True, bytes_sent=60 * BPS_128)]) == []


def test_ranges_from_one_listener_add_up_once():
    a = Row(range_start=0, bytes_sent=500_000)
    b = Row(range_start=400_000, bytes_sent=500_000, at=T0 + dt.timedelta(minutes=5))  # union 900 000 < 960 000
    c = Row(range_start=900_000, bytes_sent=100_000, at=T0 + dt.timedelta(minutes=6))  # union 1 000 000
    again = Row(range_start=0, bytes_sent=2_000_000, at=T0 + dt.timedelta(hours=3))
    assert counting.downloads([a, b, c, again]) == [c]  # one download, made by the request that crossed
    cov = counting.Coverage()
    cov.add(0, 500_000)
    cov.add(400_000, 900_000)
    cov.add(0, 100)
    assert cov.total == 900_000


def test_repeated_overlapping_ranges_do_not_add_up_to_a_download():
    rows = [Row(range_start=0, bytes_sent=500_000, at=T0 + dt.timedelta(minutes=i)) for i in range(10)]
    assert counting.downloads(rows) == []


def test_failed_and_head_requests_do_not_count():
    assert counting.downloads([Row(status=404, bytes_sent=60 * BPS_128)]) == []
    assert counting.downloads([Row(method="HEAD", bytes_sent=60 * BPS_128)]) == []


def test_bots_are_excluded_with_crawlerdetect():
    assert classify_agent(BOT_UA).is_bot
    assert not classify_agent(PHONE_UA).is_bot
    assert counting.downloads([Row(bytes_sent=10**6, is_bot=classify_agent(BOT_UA).is_bot)]) == []


def test_two_listeners_behind_one_nat_with_different_apps_count_twice():
    rows = [Row(listener_key="phone-app", bytes_sent=10**6), Row(listener_key="desktop-app", bytes_sent=10**6)]
    assert len(counting.downloads(rows)) == 2


def test_apple_watch_duplicates_are_removed():
    assert classify_agent(WATCH_UA).is_watch and not classify_agent(PHONE_UA).is_watch
    phone = Row(listener_key="phone", bytes_sent=10**6)
    watch = Row(listener_key="watch", bytes_sent=10**6, is_watch=True, at=T0 + dt.timedelta(minutes=1))
    assert counting.downloads([phone, watch]) == [phone]
    # a watch alone (no phone download from its network) still counts
    lone = Row(listener_key="watch2", network_key="N2", bytes_sent=10**6, is_watch=True)
    assert counting.downloads([phone, watch, lone]) == [phone, lone]


def test_session_plays_need_thirty_seconds_and_no_play_event():
    sid = uuid.uuid4()
    assert counting.session_plays([Row(play_session_id=sid, bytes_sent=30 * BPS_128)], set())
    assert not counting.session_plays([Row(play_session_id=sid, bytes_sent=30 * BPS_128 - 1)], set())
    assert not counting.session_plays([Row(play_session_id=sid, bytes_sent=10**6)], {(sid, TRACK)})


def test_percentiles():
    assert counting.percentile([100, 200, 300, 400], 50) == 200
    assert counting.percentile(list(range(1, 101)), 95) == 95
    assert counting.hist_percentile(counting.histogram([40, 90, 90, 4000]), 50) == 100
