"""The RSS 2.0 document of a show, written with lxml's incremental writer: Apple's `itunes` tags,
the Podcasting 2.0 `podcast` namespace and `atom:link rel=self`. URLs are made by `Links` (public
or per subscriber)."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from urllib.parse import quote

from lxml import etree

from tonearm import __version__
from tonearm.podcasts.content import TRANSCRIPT_TYPES, clean_html
from tonearm.podcasts.items import File, Item, enclosure_file, json_list
from tonearm.storage.mime import DEFAULT as DEFAULT_TYPE
from tonearm.storage.mime import MIME

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
NSMAP = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM, "content": CONTENT}
I_DURATION, I_IMAGE, I_EXPLICIT = f"{{{ITUNES}}}duration", f"{{{ITUNES}}}image", f"{{{ITUNES}}}explicit"
I_EPISODE_TYPE, I_EPISODE, I_SEASON = f"{{{ITUNES}}}episodeType", f"{{{ITUNES}}}episode", f"{{{ITUNES}}}season"
P_ALT, P_SOURCE, P_INTEGRITY = (f"{{{PODCAST}}}alternateEnclosure", f"{{{PODCAST}}}source",
                                f"{{{PODCAST}}}integrity")
P_CHAPTERS, P_TRANSCRIPT = f"{{{PODCAST}}}chapters", f"{{{PODCAST}}}transcript"
P_SOUNDBITE, P_PERSON = f"{{{PODCAST}}}soundbite", f"{{{PODCAST}}}person"


@dataclass(frozen=True, slots=True)
class Links:
    """Every URL a feed names: on `base`, for show `collection_id`, with the subscriber `token`."""

    base: str
    collection_id: str
    token: str | None = None

    def query(self) -> str:
        """What ends every URL of the feed: the subscriber's token, or nothing."""
        return f"?token={quote(self.token, safe='')}" if self.token else ""

    def feed(self) -> str:
        return f"{self.base}/feeds/{self.collection_id}.xml{self.query()}"

    def cover(self) -> str:
        return f"{self.base}/feeds/{self.collection_id}/cover.jpg{self.query()}"

    def enclosure(self, track_id, variant: str, ext: str) -> str:
        return f"{self.enclosures(track_id)}{variant}.{ext}{self.query()}"

    def enclosures(self, track_id) -> str:
        """Where an episode's enclosure URLs start (the variant, extension and query follow)."""
        return f"{self.base}/e/{self.collection_id}/{track_id}/"

    def chapters(self, track_id) -> str:
        return f"{self.base}/feeds/{self.collection_id}/{track_id}/chapters.json{self.query()}"

    def transcript(self, track_id, language: str, fmt: str) -> str:
        return f"{self.base}/feeds/{self.collection_id}/{track_id}/transcript/{language}.{fmt}{self.query()}"


# Characters XML 1.0 cannot carry (control characters other than tab, LF, CR; U+FFFE, U+FFFF).
# Titles and notes come from JSON, which allows them, and lxml refuses them: they are dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _cdata(text: str):
    """HTML notes as a CDATA section (what apps expect), or escaped text if it holds "]]>"."""
    text = xml_text(text)
    return etree.CDATA(text) if "]]>" not in text else text


def _el(xf, tag: str, text=None, **attrs) -> None:
    """One element with optional text (a str, or CDATA) and attributes (None ones left out)."""
    with xf.element(tag, {k.rstrip("_"): xml_text(str(v)) for k, v in attrs.items() if v is not None}):
        if text is not None:
            xf.write(text if isinstance(text, etree.CDATA) else xml_text(text))


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc2822(when: dt.datetime) -> str:
    """RFC 2822 date in GMT (what email.utils.format_datetime(usegmt=True) writes, 5× faster)."""
    d = when.astimezone(dt.UTC)
    return (f"{_DAYS[d.weekday()]}, {d.day:02d} {_MONTHS[d.month - 1]} {d.year:04d} "
            f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} GMT")


def _yes_no(flag: bool) -> str:
    return "true" if flag else "false"


def _channel_head(xf, show, col, links: Links, *, has_cover: bool, built: dt.datetime) -> None:
    title = show.title or col.title
    _el(xf, f"{{{ATOM}}}link", href=links.feed(), rel="self", type="application/rss+xml")
    _el(xf, "title", title)
    _el(xf, "link", show.link or links.feed())
    # Cleaned when saved; cleaned again here for shows saved before the show notes were (one string per build).
    _el(xf, "description", _cdata(clean_html(show.description) if show.description else title))
    _el(xf, "language", show.language)
    _el(xf, "generator", f"Tonearm {__version__}")
    _el(xf, "lastBuildDate", rfc2822(built))
    if show.copyright:
        _el(xf, "copyright", show.copyright)
    if has_cover:
        with xf.element("image"):
            _el(xf, "url", links.cover())
            _el(xf, "title", title)
            _el(xf, "link", show.link or links.feed())
        _el(xf, I_IMAGE, href=links.cover())
    _el(xf, f"{{{ITUNES}}}author", show.author or show.owner_name or title)
    for category, sub in show.categories or []:
        with xf.element(f"{{{ITUNES}}}category", text=xml_text(category)):
            if sub:
                _el(xf, f"{{{ITUNES}}}category", text_=sub)
    _el(xf, I_EXPLICIT, _yes_no(show.explicit))
    _el(xf, f"{{{ITUNES}}}type", show.show_type)
    if show.owner_name or show.owner_email:
        with xf.element(f"{{{ITUNES}}}owner"):
            _el(xf, f"{{{ITUNES}}}name", show.owner_name or show.author or title)
            if show.owner_email:
                _el(xf, f"{{{ITUNES}}}email", show.owner_email)
    if show.complete:
        _el(xf, f"{{{ITUNES}}}complete", "Yes")
    if show.private:
        _el(xf, f"{{{ITUNES}}}block", "Yes")
    _el(xf, f"{{{PODCAST}}}guid", str(show.guid))
    _el(xf, f"{{{PODCAST}}}locked", "yes" if show.locked or show.private else "no", owner=show.owner_email)
    for fund in show.funding or []:
        _el(xf, f"{{{PODCAST}}}funding", fund.get("text") or "Support the show", url=fund["url"])


def _enclosures(xf, files: list[File], main: File, url: str, q: str) -> None:
    """`<enclosure>` for `main`, then every file as a `podcast:alternateEnclosure` (URLs: `url` +
    variant.ext + `q`)."""
    element = xf.element
    with element("enclosure", {"url": f"{url}{main.variant}.{main.ext}{q}", "length": str(main.size or 0),
                               "type": MIME.get(main.ext, DEFAULT_TYPE)}):
        pass
    for f in files:
        attrs = {"type": MIME.get(f.ext, DEFAULT_TYPE), "length": str(f.size or 0), "title": f.variant}
        if f.bitrate:
            attrs["bitrate"] = str(f.bitrate * 1000)
        if f is main:
            attrs["default"] = "true"
        with element(P_ALT, attrs):
            with element(P_SOURCE, {"uri": f"{url}{f.variant}.{f.ext}{q}"}):
                pass
            if f.sha256:
                with element(P_INTEGRITY, {"type": "sri", "value": f"sha256-{f.sha256}"}):
                    pass


def _item_extras(xf, ep, track: str, transcripts: list[tuple[str, str]], links: Links) -> None:
    if ep.has_chapters:
        with xf.element(P_CHAPTERS, {"url": links.chapters(track), "type": "application/json+chapters"}):
            pass
    for language, fmt in transcripts:
        with xf.element(P_TRANSCRIPT, {"url": links.transcript(track, language, fmt), "type": TRANSCRIPT_TYPES[fmt],
                                       "language": language, "rel": "captions"}):
            pass
    if ep.soundbites:
        for bite in json_list(ep.soundbites):
            _el(xf, P_SOUNDBITE, bite.get("title") or None, startTime=f"{bite['start_time']:g}",
                duration=f"{bite['duration']:g}")
    if ep.persons:
        for person in json_list(ep.persons):
            _el(xf, P_PERSON, person["name"], role=person.get("role"), group=person.get("group"),
                img=person.get("img"), href=person.get("href"))


_GUID = {"isPermaLink": "false"}


def _items(xf, items: list[Item], show, links: Links) -> None:
    """Every `<item>`, written straight to the output. This loop is most of a big feed's cost
    (10 000 episodes must build in under a second), so what is the same for every episode is
    looked up once, out of it. No per-episode itunes:image: episodes have no art of their own yet,
    and apps show the channel's (Apple: the episode tag is only for art that differs)."""
    element, write = xf.element, xf.write
    chosen, explicit = show.enclosure_variant, show.explicit
    q = links.query()
    for item in items:
        ep = item.ep
        track = str(item.track_id)
        with element("item"):
            with element("title"):
                write(xml_text(item.title))
            with element("guid", _GUID):
                write(xml_text(item.guid))
            with element("pubDate"):
                write(rfc2822(item.pub_date))
            _enclosures(xf, item.files, enclosure_file(item.files, chosen), links.enclosures(track), q)
            if ep.description:
                with element("description"):
                    write(_cdata(ep.description))
            if ep.link:
                with element("link"):
                    write(xml_text(ep.link))
            if item.duration:
                with element(I_DURATION):
                    write(str(max(1, round(item.duration))))
            with element(I_EXPLICIT):
                write("true" if (explicit if ep.explicit is None else ep.explicit) else "false")
            with element(I_EPISODE_TYPE):
                write(ep.episode_type or "full")
            if ep.episode_number is not None:
                with element(I_EPISODE):
                    write(str(ep.episode_number))
            if ep.season_number is not None:
                with element(I_SEASON):
                    write(str(ep.season_number))
            _item_extras(xf, ep, track, item.transcripts, links)


def build(show, col, items: list[Item], links: Links, *, has_cover: bool, built: dt.datetime) -> bytes:
    """The feed's bytes (UTF-8, with the XML declaration), written with lxml's incremental writer
    (`etree.xmlfile`): no tree is kept, and escaping and namespace prefixes are lxml's. Elements
    without content are written as start and end tags (`<enclosure …></enclosure>`)."""
    out = io.BytesIO()
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("rss", nsmap=NSMAP, version="2.0"), xf.element("channel"):
            _channel_head(xf, show, col, links, has_cover=has_cover, built=built)
            _items(xf, items, show, links)
    return out.getvalue()
