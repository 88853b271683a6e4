"""The still parts of a waveform video, drawn once with Pillow: background, cover, title and
waveform bars (in the waveform colour, and again in the progress colour). Each video frame is
then the first picture with the played columns taken from the second and a playhead line, which
is a few numpy slice copies (:meth:`Canvas.frame`)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .colors import parse_hex
from .errors import MediaError
from .images import load_rgb
from .specs import WaveformVideo

#: Tried in turn for the title (Pillow looks in the system's font folders); Pillow's own
#: bundled font when none is there.
FONT_NAMES = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "LiberationSans-Bold.ttf", "Arial.ttf")


def _even(value: float) -> int:
    return 2 * round(value / 2)


@dataclass(frozen=True)
class Box:
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Layout:
    pad: int
    cover: Box | None
    title: Box | None
    wave: Box
    bar_pitch: int
    bar_width: int

    @property
    def bars(self) -> int:
        return max(1, self.wave.width // self.bar_pitch)


def layout(width: int, height: int, *, cover: bool, title: bool) -> Layout:
    """Where everything goes. Landscape and square: the cover square top left, the title beside
    it (across the top without a cover). Portrait: the cover centred on top, the title under it.
    The waveform fills the width below them, centred in the height left (never taller than half
    the width, so it stays waveform-shaped)."""
    pad = max(6, _even(min(width, height) * 0.06))
    if height > width * 1.2:
        side = min(width - 2 * pad, _even(height * 0.4)) if cover else 0
        title_h = _even(min(width, height) * 0.2) if title else 0
        x = _even((width - side) / 2)
        cover_box = Box(x, pad, x + side, pad + side) if cover else None
        title_top = pad + side + pad if cover else pad
        title_box = Box(pad, title_top, width - pad, title_top + title_h) if title else None
        top = title_top + title_h + pad if title else title_top
    else:
        side = min(_even(height * 0.42), _even(width * 0.4)) if cover else 0
        title_h = max(side, _even(min(width, height) * 0.2)) if title else side
        cover_box = Box(pad, pad, pad + side, pad + side) if cover else None
        left = pad + side + pad if cover else pad
        title_box = Box(left, pad, width - pad, pad + title_h) if title and width - pad - left > 20 else None
        top = pad + title_h + pad if (cover or title) else pad
    room = height - pad - top
    wave_h = max(2, min(room, width // 2) // 2 * 2)
    y0 = top + max(0, _even((room - wave_h) / 2 - 1))
    pitch = max(3, width // 200)
    return Layout(pad, cover_box, title_box, Box(pad, y0, width - pad, y0 + wave_h), pitch,
                  max(2, round(pitch * 0.6)))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in FONT_NAMES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _fit_line(draw: ImageDraw.ImageDraw, words: list[str], font, width: int) -> tuple[str, list[str]]:
    """The longest run of ``words`` that fits ``width`` (one word cut with an ellipsis when even it
    does not fit) and the words left over."""
    line = ""
    for n, word in enumerate(words):
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) > width:
            if line:
                return line, words[n:]
            return _ellipsize(draw, word, font, width), words[n + 1:]
        line = candidate
    return line, []


def _ellipsize(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…" if text else ""


def draw_title(img: Image.Image, box: Box, title: str, color: str) -> None:
    """At most two lines, word-wrapped, the second cut with an ellipsis."""
    draw = ImageDraw.Draw(img)
    size = max(10, min(box.height // 3, round(img.width * 0.045)))
    font = _font(size)
    words = " ".join(title.split()).split(" ")
    first, rest = _fit_line(draw, words, font, box.width)
    lines = [first]
    if rest:
        second, more = _fit_line(draw, rest, font, box.width)
        lines.append(_ellipsize(draw, second + " …", font, box.width) if more else second)
    y = box.y0
    for line in lines:
        draw.text((box.x0, y), line, font=font, fill=parse_hex(color))
        y += round(size * 1.25)


def draw_cover(img: Image.Image, box: Box, cover: str | os.PathLike) -> bool:
    """Paste the cover as a centre-cropped square; False when it cannot be read."""
    try:
        picture = load_rgb(cover, draft=(box.width, box.height))
    except MediaError:
        return False
    img.paste(ImageOps.fit(picture, (box.width, box.height), Image.Resampling.LANCZOS), (box.x0, box.y0))
    return True


def draw_bars(img: Image.Image, lay: Layout, levels, color: str) -> None:
    """Mirrored bars, one per level, at least one pixel tall so silence still shows a line."""
    draw = ImageDraw.Draw(img)
    box = lay.wave
    mid = box.y0 + box.height / 2
    fill = parse_hex(color)
    for n, level in enumerate(levels[: lay.bars]):
        half = max(0.5, float(level) * (box.height / 2 - 1))
        x = box.x0 + n * lay.bar_pitch
        top = math.floor(mid - half)
        draw.rectangle((x, top, x + lay.bar_width - 1, max(top, math.ceil(mid + half) - 1)), fill=fill)


def yuv_planes(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Y, U and V planes (4:2:0) of an RGB picture with even sides."""
    height, width = rgb.shape[:2]
    flat = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p").to_ndarray().ravel()
    luma, chroma = height * width, (height // 2) * (width // 2)
    return (flat[:luma].reshape(height, width), flat[luma:luma + chroma].reshape(height // 2, width // 2),
            flat[luma + chroma:].reshape(height // 2, width // 2))


class Canvas:
    """The pictures frames are cut from, kept as 4:2:0 planes (what H.264 takes), so a frame is
    slice copies and no colour conversion."""

    def __init__(self, spec: WaveformVideo, levels, *, title: str | None, cover) -> None:
        lay = layout(spec.width, spec.height, cover=bool(cover and spec.show_cover),
                     title=bool(title and spec.show_title))
        img = Image.new("RGB", (spec.width, spec.height), parse_hex(spec.background_color))
        if lay.cover is not None and not draw_cover(img, lay.cover, cover):
            lay = layout(spec.width, spec.height, cover=False, title=lay.title is not None)
        if lay.title is not None and title:
            draw_title(img, lay.title, title, spec.text_color)
        played = img.copy()
        draw_bars(img, lay, levels, spec.waveform_color)
        draw_bars(played, lay, levels, spec.progress_color)
        head = np.empty((2, 2, 3), dtype=np.uint8)
        head[...] = parse_hex(spec.text_color)
        self.layout = lay
        self.base = yuv_planes(np.asarray(img))
        self.played = yuv_planes(np.asarray(played))
        self.head = [int(plane[0, 0]) for plane in yuv_planes(head)]
        self.head_width = max(2, _even(spec.width / 400))

    def playhead_x(self, progress: float) -> int:
        box = self.layout.wave
        return box.x0 + _even(min(1.0, max(0.0, progress)) * (box.width - self.head_width))

    def frame(self, progress: float) -> np.ndarray:
        """The picture at ``progress`` (0 at the window's start, 1 at its end), as the
        ``(height * 3 / 2, width)`` yuv420p array :meth:`av.VideoFrame.from_ndarray` takes."""
        box = self.layout.wave
        x = self.playhead_x(progress)
        planes = []
        for n, (base, played) in enumerate(zip(self.base, self.played)):
            step = 1 if n == 0 else 2
            y0, y1, x0, xp, xh = box.y0 // step, box.y1 // step, box.x0 // step, x // step, (x + self.head_width) // step
            out = base.copy()
            out[y0:y1, x0:xp] = played[y0:y1, x0:xp]
            out[y0:y1, xp:xh] = self.head[n]
            planes.append(out.ravel())
        return np.concatenate(planes).reshape(-1, self.base[0].shape[1])
