"""Episode content checks: sanitised show notes, Podcasting 2.0 JSON chapters, SRT/WebVTT transcripts."""

from __future__ import annotations

import re

import nh3
import orjson

from tonearm.errors import Invalid, TooLarge

# Show notes: the tags podcast apps render (Apple lists p, ol, ul, li, a); no scripts, styles, events.
NOTE_TAGS = {"p", "br", "a", "b", "strong", "i", "em", "ul", "ol", "li", "blockquote", "h3", "h4", "code", "pre"}
NOTE_ATTRIBUTES = {"a": {"href", "title"}}

MAX_CHAPTERS = 1000
MAX_CHAPTERS_BYTES = 256 * 1024
MAX_TRANSCRIPT_BYTES = 2 * 1024 * 1024
_URL = re.compile(r"^https?://\S+$")
_SRT_CUE = re.compile(r"^\s*\d+\s*\r?\n\s*\d{1,2}:\d{2}:\d{2},\d{3}\s*-->\s*\d{1,2}:\d{2}:\d{2},\d{3}")
TRANSCRIPT_TYPES = {"vtt": "text/vtt", "srt": "application/x-subrip"}


def clean_html(html: str) -> str:
    """Show notes with only harmless markup left (nh3, the Ammonia sanitiser); links get rel=noopener."""
    return nh3.clean(html, tags=NOTE_TAGS, attributes=NOTE_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow").strip()


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value < 0:
        raise Invalid(f"{what} must be a number of seconds ≥ 0")
    return float(value)


def _check_chapter(n: int, ch, duration: float | None) -> None:
    if not isinstance(ch, dict):
        raise Invalid(f"chapters[{n}] must be an object")
    start = _number(ch.get("startTime"), f"chapters[{n}].startTime")
    if duration is not None and start > duration:
        raise Invalid(f"chapters[{n}].startTime {start:g} is past the end of the episode ({duration:g} s)")
    if "endTime" in ch:
        end = _number(ch["endTime"], f"chapters[{n}].endTime")
        if end <= start or (duration is not None and end > duration + 1):
            raise Invalid(f"chapters[{n}].endTime must be after startTime and within the episode")
    for key in ("title", "img", "url"):
        if key in ch and not isinstance(ch[key], str):
            raise Invalid(f"chapters[{n}].{key} must be a string")
    for key in ("img", "url"):
        if key in ch and not _URL.match(ch[key]):
            raise Invalid(f"chapters[{n}].{key} must be an http(s) URL")
    if "toc" in ch and not isinstance(ch["toc"], bool):
        raise Invalid(f"chapters[{n}].toc must be true or false")


def check_chapters(data, duration: float | None) -> dict:
    """A Podcasting 2.0 JSON chapters document, checked (version, chapters with startTime within the
    episode, in order); returns it unchanged. Invalid (400) says what is wrong."""
    if not isinstance(data, dict):
        raise Invalid("chapters must be a JSON object")
    if len(orjson.dumps(data)) > MAX_CHAPTERS_BYTES:
        raise TooLarge(f"chapters JSON is larger than {MAX_CHAPTERS_BYTES} bytes")
    if not isinstance(data.get("version"), str) or not data["version"]:
        raise Invalid('chapters needs a "version" string (e.g. "1.2.0")')
    chapters = data.get("chapters")
    if not isinstance(chapters, list):
        raise Invalid('chapters needs a "chapters" array')
    if len(chapters) > MAX_CHAPTERS:
        raise Invalid(f"at most {MAX_CHAPTERS} chapters")
    last = -1.0
    for n, ch in enumerate(chapters):
        _check_chapter(n, ch, duration)
        if ch["startTime"] < last:
            raise Invalid("chapters must be in order of startTime")
        last = ch["startTime"]
    return data


def transcript_format(body: bytes) -> tuple[str, str]:
    """("vtt"|"srt", text) of an uploaded transcript; Invalid unless it is UTF-8 WebVTT or SRT."""
    if len(body) > MAX_TRANSCRIPT_BYTES:
        raise TooLarge(f"transcripts are limited to {MAX_TRANSCRIPT_BYTES} bytes")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("a transcript must be UTF-8 text") from None
    if "\x00" in text:
        raise Invalid("a transcript must not contain NUL characters")
    if re.match(r"^WEBVTT(?:[ \t].*)?(?:\r?\n|$)", text):
        return "vtt", text
    if _SRT_CUE.match(text):
        return "srt", text
    raise Invalid("a transcript must be WebVTT (starting with WEBVTT) or SRT (numbered cues)")
