"""Palette extraction and contrast helpers."""

from __future__ import annotations

import random

import pytest

from tests import audiogen as ag
from tonearm.media import (
    contrast_ratio,
    contrast_variants,
    is_dark,
    palette,
    player_color,
)
from tonearm.media.colors import InvalidColor, parse_hex

RED, BLUE = (220, 30, 40), (30, 60, 200)


def near(rgb, c, tol=12):
    return all(abs(a - b) <= tol for a, b in zip(rgb, (c["red"], c["green"], c["blue"])))


def test_two_colour_palette_finds_both_with_their_areas():
    colors = palette(ag.two_colour_image((200, 100), RED, BLUE, 0.7))
    red = [c for c in colors if near(RED, c)]
    blue = [c for c in colors if near(BLUE, c)]
    assert red and blue
    assert sum(c["area"] for c in red) == pytest.approx(0.7, abs=0.03)
    assert sum(c["area"] for c in blue) == pytest.approx(0.3, abs=0.03)
    assert sum(c["area"] for c in colors) == pytest.approx(1.0, abs=0.01)
    assert colors[0]["area"] >= colors[-1]["area"]
    assert sum(c["active"] for c in colors) == 1
    for c in colors:
        assert set(c) >= {"hex", "area", "lightness", "saturation", "hue", "red", "green",
                          "blue", "intensity", "active"}
        assert 0 <= c["lightness"] <= 1 and 0 <= c["saturation"] <= 1 and 0 <= c["intensity"] <= 1
        assert c["hex"] == "#%02x%02x%02x" % (c["red"], c["green"], c["blue"])


def test_palette_accepts_bytes_and_paths(tmp_path):
    data = ag.image_bytes(ag.two_colour_image(), "PNG")
    p = tmp_path / "x.png"
    p.write_bytes(data)
    assert palette(data) == palette(p)


def test_player_color_prefers_vibrant_over_big_grey():
    img = ag.two_colour_image((200, 100), (128, 128, 128), (250, 200, 0), 0.85)
    colors = palette(img)
    chosen = player_color(colors)
    assert chosen is not None and parse_hex(chosen)[0] > 200 and parse_hex(chosen)[2] < 60
    assert next(c for c in colors if c["active"])["hex"] == chosen


def test_player_color_falls_back_to_largest_when_all_grey():
    colors = palette(ag.two_colour_image((100, 100), (10, 10, 10), (250, 250, 250), 0.6))
    assert player_color(colors) == colors[0]["hex"]
    assert player_color([]) is None


def test_contrast_ratio_known_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    assert contrast_ratio("#fff", "#000") == contrast_ratio("#000000", "#FFFFFF")


def test_is_dark():
    assert is_dark("#000000") and is_dark("#1e3a8a")
    assert not is_dark("#ffffff") and not is_dark("#fde047")


def test_contrast_variants_over_many_random_colours():
    rng = random.Random(1234)
    for _ in range(400):
        color = "#%06x" % rng.randrange(0x1000000)
        light, dark = contrast_variants(color)
        assert contrast_ratio(light, "#f4f4f5") >= 3.0, (color, light)
        assert contrast_ratio(dark, "#000000") >= 3.0, (color, dark)


def test_contrast_variants_keep_good_colours_and_hue():
    light, dark = contrast_variants("#ffeb3b")  # pale yellow: must darken for light bg
    r, g, b = parse_hex(light)
    assert r > b and g > b  # still a yellow/olive hue
    assert contrast_variants("#1D4ED8")[0] == "#1d4ed8"  # already dark enough: unchanged
    assert contrast_variants("#fde047")[1] == "#fde047"  # already light enough: unchanged


@pytest.mark.parametrize("bad", ["", "red", "#12345", "#gggggg", None])
def test_invalid_colour(bad):
    with pytest.raises(InvalidColor):
        contrast_variants(bad)
    with pytest.raises(ValueError):
        is_dark(bad)
