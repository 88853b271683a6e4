"""PNG waveform drawing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tonearm.media import MediaError, waveform_png


def test_levels_waveform(tmp_path):
    levels = {"levels": [0.1] * 160 + [1.0] * 160}
    info = waveform_png(levels, tmp_path / "w.png", width=640, height=100, color="#ff0000")
    with Image.open(info["path"]) as im:
        assert im.format == "PNG" and im.size == (640, 100)
        alpha = np.asarray(im.convert("RGBA"))[..., 3] > 0
        px = im.convert("RGBA").getpixel((600, 50))
    heights = alpha.sum(axis=0)
    assert heights[:300].mean() < 0.2 * 100 and heights[340:].mean() > 0.95 * 100
    assert px[:3] == (255, 0, 0)
    assert not alpha[0, :300].any()  # quiet part leaves the top transparent


def test_peaks_waveform_with_background(tmp_path):
    peaks = {"version": 2, "channels": 1, "bits": 8, "sample_rate": 44100,
             "samples_per_pixel": 512, "length": 4, "data": [-10, 10, -128, 127, 0, 0, -64, 64]}
    info = waveform_png(peaks, tmp_path / "p.png", width=400, height=80, background="#ffffff")
    with Image.open(info["path"]) as im:
        arr = np.asarray(im.convert("RGB"))
    drawn = (arr != 255).any(axis=2).sum(axis=0)
    assert drawn[150] > 70 and drawn[20] < 15  # loud second pixel, quiet first


def test_more_values_than_columns_keeps_peaks(tmp_path):
    values = np.zeros(10000)
    values[5000] = 1.0  # a single spike must survive down-sampling
    info = waveform_png(list(values), tmp_path / "s.png", width=100, height=50)
    with Image.open(info["path"]) as im:
        alpha = np.asarray(im.convert("RGBA"))[..., 3] > 0
    assert alpha.sum(axis=0).max() >= 48


def test_bad_input(tmp_path):
    with pytest.raises(MediaError):
        waveform_png({"nope": 1}, tmp_path / "x.png")
    with pytest.raises(MediaError):
        waveform_png([0.5], tmp_path / "x.png", width=0)
