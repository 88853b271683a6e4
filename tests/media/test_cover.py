"""Cover renditions and image safety."""

from __future__ import annotations

import pytest
from PIL import Image

from tests import audiogen as ag
from tonearm.media import COVER_SIZES, MediaError, cover_sizes


def test_sizes_are_square_jpegs(tmp_path):
    src = ag.image_bytes(ag.two_colour_image((640, 480)), "PNG")
    made = cover_sizes(src, tmp_path, webp=True)
    assert (made["width"], made["height"]) == (640, 480)
    for name, side in COVER_SIZES.items():
        entry = made["sizes"][name]
        with Image.open(entry["path"]) as im:
            assert im.format == "JPEG" and im.size == (side, side) and im.mode == "RGB"
        with Image.open(made["sizes"][f"{name}_webp"]["path"]) as im:
            assert im.format == "WEBP" and im.size == (side, side)


def test_centre_crop(tmp_path):
    # 300x100: red | green | blue thirds; the square crop is the green middle
    img = Image.new("RGB", (300, 100), (255, 0, 0))
    img.paste((0, 255, 0), (100, 0, 200, 100))
    img.paste((0, 0, 255), (200, 0, 300, 100))
    made = cover_sizes(ag.image_bytes(img, "PNG"), tmp_path)
    with Image.open(made["sizes"]["small"]["path"]) as im:
        r, g, b = im.convert("RGB").getpixel((100, 100))
        assert g > 200 and r < 60 and b < 60


def test_small_source_is_upscaled(tmp_path):
    made = cover_sizes(ag.image_bytes(ag.two_colour_image((50, 50)), "PNG"), tmp_path)
    assert made["sizes"]["large"]["width"] == 1200


def test_exif_orientation_is_applied(tmp_path):
    made = cover_sizes(ag.exif_rotated_jpeg((200, 100), orientation=6), tmp_path)
    assert (made["width"], made["height"]) == (100, 200)  # rotated to portrait
    with Image.open(made["sizes"]["small"]["path"]) as im:
        top = im.convert("RGB").getpixel((100, 10))
        bottom = im.convert("RGB").getpixel((100, 190))
    assert top[0] > 200 and top[2] < 60       # red half rotated to the top
    assert bottom[2] > 200 and bottom[0] < 60


@pytest.mark.parametrize("maker", [ag.cmyk_jpeg, ag.png16, ag.animated_gif, ag.rgba_png])
def test_unusual_modes_become_rgb(tmp_path, maker):
    made = cover_sizes(maker(), tmp_path)
    with Image.open(made["sizes"]["icon"]["path"]) as im:
        assert im.mode == "RGB" and im.size == (80, 80)


def test_animated_gif_uses_first_frame(tmp_path):
    made = cover_sizes(ag.animated_gif(), tmp_path)
    with Image.open(made["sizes"]["icon"]["path"]) as im:
        r, g, _ = im.getpixel((40, 40))
    assert r > 200 and g < 60  # the first frame is red


def test_16_bit_ramp_keeps_its_range(tmp_path):
    made = cover_sizes(ag.png16((400, 400)), tmp_path)
    with Image.open(made["sizes"]["regular"]["path"]) as im:
        left, right = im.getpixel((5, 200)), im.getpixel((395, 200))
    assert left[0] < 20 and right[0] > 235


def test_transparent_areas_become_white(tmp_path):
    made = cover_sizes(ag.rgba_png(), tmp_path)
    with Image.open(made["sizes"]["icon"]["path"]) as im:
        assert min(im.getpixel((70, 40))) > 240


def test_decompression_bomb_rejected(tmp_path):
    with pytest.raises(MediaError, match="too large"):
        cover_sizes(ag.bomb_png(30000, 30000), tmp_path)
    with pytest.raises(MediaError, match="too large"):
        cover_sizes(ag.bomb_png(8000, 8000), tmp_path)  # 64 MP: over our 50 MP limit
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("data", [
    b"",
    b"definitely not an image",
    ag.image_bytes(ag.two_colour_image((400, 400)), "JPEG")[:300],
    ag.image_bytes(ag.two_colour_image((400, 400)), "PNG")[:200],
])
def test_invalid_or_truncated_images_rejected(tmp_path, data):
    with pytest.raises(MediaError):
        cover_sizes(data, tmp_path)


def test_path_input_and_missing_file(tmp_path):
    p = tmp_path / "c.jpg"
    p.write_bytes(ag.cover_jpeg())
    assert cover_sizes(p, tmp_path / "out")["sizes"]["icon"]["width"] == 80
    with pytest.raises(MediaError):
        cover_sizes(tmp_path / "nope.jpg", tmp_path / "out")
