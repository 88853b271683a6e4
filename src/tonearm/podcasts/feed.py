"""The RSS 2.0 document of a show, built with lxml: Apple's `itunes` tags, the Podcasting 2.0
`podcast` namespace and `atom:link rel=self`. URLs are made by `Links` (public or per subscriber)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import quote

from lxml import etree

from tonearm import __version__
from tonearm.podcasts.content import TRANSCRIPT_TYPES
from tonearm.podcasts.items import Item, enclosure_file, json_list
from tonearm.storage.mime import DEFAULT as DEFAULT_TYPE
from tonearm.storage.mime import MIME

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
NSMAP = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM, "content": CONTENT}
SubElement = etree.SubElement
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

    def _q(self) -> str:
        return f"?token={quote(self.token, safe='')}" if self.token else ""

    def feed(self) -> str:
        return f"{self.base}/feeds/{self.collection_id}.xml{self._q()}"

    def cover(self) -> str:
        return f"{self.base}/feeds/{self.collection_id}/cover.jpg{self._q()}"

    def enclosure(self, track_id, variant: str, ext: str) -> str:
        return f"{self.base}/e/{self.collection_id}/{track_id}/{variant}.{ext}{self._q()}"

    def chapters(self, track_id) -> str:
        return f"{self.base}/feeds/{self.collection_id}/{track_id}/chapters.json{self._q()}"

    def transcript(self, track_id, language: str, fmt: str) -> str:
        return f"{self.base}/feeds/{self.collection_id}/{track_id}/transcript/{language}.{fmt}{self._q()}"


# Characters XML 1.0 cannot carry (control characters other than tab, LF, CR; U+FFFE, U+FFFF).
# Titles and notes come from JSON, which allows them, and lxml refuses them: they are dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _cdata(text: str):
    """HTML notes as a CDATA section (what apps expect), or escaped text if it holds "]]>"."""
    text = xml_text(text)
    return etree.CDATA(text) if "]]>" not in text else text


def _el(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    node = etree.SubElement(parent, tag, {k.rstrip("_"): xml_text(str(v)) for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = xml_text(text)
    return node


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc2822(when: dt.datetime) -> str:
    """RFC 2822 date in GMT (what email.utils.format_datetime(usegmt=True) writes, 5× faster)."""
    d = when.astimezone(dt.UTC)
    return (f"{_DAYS[d.weekday()]}, {d.day:02d} {_MONTHS[d.month - 1]} {d.year:04d} "
            f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} GMT")


def _yes_no(flag: bool) -> str:
    return "true" if flag else "false"


def _channel_head(ch, show, col, links: Links, *, has_cover: bool, built: dt.datetime) -> None:
    title = show.title or col.title
    _el(ch, f"{{{ATOM}}}link", href=links.feed(), rel="self", type="application/rss+xml")
    _el(ch, "title", title)
    _el(ch, "link", show.link or links.feed())
    _el(ch, "description").text = _cdata(show.description or title)
    _el(ch, "language", show.language)
    _el(ch, "generator", f"Tonearm {__version__}")
    _el(ch, "lastBuildDate", rfc2822(built))
    if show.copyright:
        _el(ch, "copyright", show.copyright)
    if has_cover:
        image = _el(ch, "image")
        _el(image, "url", links.cover())
        _el(image, "title", title)
        _el(image, "link", show.link or links.feed())
        _el(ch, f"{{{ITUNES}}}image", href=links.cover())
    _el(ch, f"{{{ITUNES}}}author", show.author or show.owner_name or title)
    for category, sub in show.categories or []:
        node = _el(ch, f"{{{ITUNES}}}category", text_=category)
        if sub:
            _el(node, f"{{{ITUNES}}}category", text_=sub)
    _el(ch, f"{{{ITUNES}}}explicit", _yes_no(show.explicit))
    _el(ch, f"{{{ITUNES}}}type", show.show_type)
    if show.owner_name or show.owner_email:
        owner = _el(ch, f"{{{ITUNES}}}owner")
        _el(owner, f"{{{ITUNES}}}name", show.owner_name or show.author or title)
        if show.owner_email:
            _el(owner, f"{{{ITUNES}}}email", show.owner_email)
    if show.complete:
        _el(ch, f"{{{ITUNES}}}complete", "Yes")
    if show.private:
        _el(ch, f"{{{ITUNES}}}block", "Yes")
    _el(ch, f"{{{PODCAST}}}guid", str(show.guid))
    _el(ch, f"{{{PODCAST}}}locked", "yes" if show.locked or show.private else "no", owner=show.owner_email)
    for fund in show.funding or []:
        _el(ch, f"{{{PODCAST}}}funding", fund.get("text") or "Support the show", url=fund["url"])


def _enclosures(node, item: Item, chosen: str | None, links: Links) -> None:
    main = enclosure_file(item.files, chosen)
    track = str(item.track_id)
    SubElement(node, "enclosure", url=links.enclosure(track, main.variant, main.ext), length=str(main.size or 0),
               type=MIME.get(main.ext, DEFAULT_TYPE))
    for f in item.files:
        url = links.enclosure(track, f.variant, f.ext)
        mime = MIME.get(f.ext, DEFAULT_TYPE)
        size = str(f.size or 0)
        alt = SubElement(node, P_ALT, type=mime, length=size, title=f.variant)
        if f.bitrate:
            alt.set("bitrate", str(f.bitrate * 1000))
        if f is main:
            alt.set("default", "true")
        SubElement(alt, P_SOURCE, uri=url)
        if f.sha256:
            SubElement(alt, P_INTEGRITY, type="sri", value=f"sha256-{f.sha256}")


def _item_extras(node, item: Item, links: Links) -> None:
    ep = item.ep
    if ep.has_chapters:
        _el(node, P_CHAPTERS, url=links.chapters(item.track_id), type="application/json+chapters")
    for language, fmt in item.transcripts:
        _el(node, P_TRANSCRIPT, url=links.transcript(item.track_id, language, fmt), type=TRANSCRIPT_TYPES[fmt],
            language=language, rel="captions")
    for bite in json_list(ep.soundbites):
        _el(node, P_SOUNDBITE, bite.get("title") or None, startTime=f"{bite['start_time']:g}",
            duration=f"{bite['duration']:g}")
    for person in json_list(ep.persons):
        _el(node, P_PERSON, person["name"], role=person.get("role"), group=person.get("group"),
            img=person.get("img"), href=person.get("href"))


def _item(ch, item: Item, show, links: Links) -> None:
    """One `<item>`. No per-episode itunes:image: episodes have no art of their own yet, and apps
    show the channel's (Apple: the episode tag is only for art that differs)."""
    ep = item.ep
    node = SubElement(ch, "item")
    SubElement(node, "title").text = xml_text(item.title)
    SubElement(node, "guid", isPermaLink="false").text = xml_text(item.guid)
    SubElement(node, "pubDate").text = rfc2822(item.pub_date)
    _enclosures(node, item, show.enclosure_variant, links)
    if ep.description:
        SubElement(node, "description").text = _cdata(ep.description)
    if ep.link:
        SubElement(node, "link").text = xml_text(ep.link)
    if item.duration:
        SubElement(node, I_DURATION).text = str(max(1, round(item.duration)))
    SubElement(node, I_EXPLICIT).text = _yes_no(show.explicit if ep.explicit is None else ep.explicit)
    SubElement(node, I_EPISODE_TYPE).text = ep.episode_type or "full"
    if ep.episode_number is not None:
        SubElement(node, I_EPISODE).text = str(ep.episode_number)
    if ep.season_number is not None:
        SubElement(node, I_SEASON).text = str(ep.season_number)
    _item_extras(node, item, links)


def build(show, col, items: list[Item], links: Links, *, has_cover: bool, built: dt.datetime) -> bytes:
    """The feed's bytes (UTF-8, with the XML declaration)."""
    rss = etree.Element("rss", nsmap=NSMAP, version="2.0")
    ch = etree.SubElement(rss, "channel")
    _channel_head(ch, show, col, links, has_cover=has_cover, built=built)
    for item in items:
        _item(ch, item, show, links)
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8")
