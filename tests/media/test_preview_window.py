"""The preview window arithmetic (pure function, no audio)."""

from __future__ import annotations

import pytest

from tonearm.media import PreviewWindow, preview_window


def test_defaults_match_openapi():
    w = PreviewWindow()
    assert (w.preview_type, w.preview_seconds, w.preview_min_percent, w.preview_max_percent) == ("seconds", 60, 0, 50)
    assert (w.preview_percent, w.preview_min_seconds, w.preview_max_seconds) == (25, 0, 90)
    assert w.preview_start_percent == 25


@pytest.mark.parametrize("duration,expected", [
    (300.0, (75.0, 135.0)),   # 60 s from 25 %
    (100.0, (25.0, 75.0)),    # capped at 50 % of the track = 50 s
    (200.0, (50.0, 110.0)),
])
def test_seconds_mode(duration, expected):
    assert preview_window(duration, PreviewWindow()) == pytest.approx(expected)


def test_seconds_mode_min_percent_raises_length():
    w = PreviewWindow(preview_seconds=10, preview_min_percent=20, preview_start_percent=0)
    assert preview_window(200.0, w) == pytest.approx((0.0, 40.0))


def test_percent_mode_clamps_to_seconds():
    w = PreviewWindow(preview_type="percent")  # 25 %, 0..90 s
    assert preview_window(100.0, w) == pytest.approx((25.0, 50.0))
    assert preview_window(600.0, w) == pytest.approx((150.0, 240.0))  # 150 s capped to 90
    w = PreviewWindow(preview_type="percent", preview_percent=1, preview_min_seconds=20)
    assert preview_window(100.0, w) == pytest.approx((25.0, 45.0))


def test_window_is_shifted_to_fit():
    w = PreviewWindow(preview_seconds=30, preview_max_percent=100, preview_start_percent=90)
    assert preview_window(100.0, w) == pytest.approx((70.0, 100.0))


def test_never_longer_than_track_and_zero_max_means_no_cap():
    w = PreviewWindow(preview_seconds=500, preview_max_percent=0, preview_start_percent=50)
    assert preview_window(40.0, w) == pytest.approx((0.0, 40.0))


@pytest.mark.parametrize("duration", [0.5, 3.0, 59.9, 61.0, 3600.0])
@pytest.mark.parametrize("start", [0, 25, 99, 100])
def test_window_always_inside_track(duration, start):
    for w in (PreviewWindow(preview_start_percent=start),
              PreviewWindow(preview_type="percent", preview_start_percent=start)):
        a, b = preview_window(duration, w)
        assert 0.0 <= a <= b <= duration + 1e-9
