"""Who is listening, without keeping who they are: the client address behind trusted proxies, the
listener key (HMAC of a daily salt over the address prefix and the user agent), the user-agent
family, device and bot flag, and an optional country.

Nothing here stores anything: the recorder calls `classify` in its flusher thread and keeps only
the results (docs/analytics.md)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from crawlerdetect import CrawlerDetect
from ua_parser import parse as parse_ua

log = logging.getLogger("tonearm.analytics")

_MAX_UA = 512  # longer user agents are cut before parsing (hostile input stays cheap)


def trusted_networks(entries: Iterable[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The configured proxy addresses or networks (`127.0.0.1`, `10.0.0.0/8`, `::1`)."""
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _ip(text: str | None):
    try:
        return ipaddress.ip_address((text or "").strip().strip("[]"))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None, trusted) -> str | None:
    """The listener's address: the peer, unless the peer is a trusted proxy; then the right-most
    `X-Forwarded-For` entry that is not itself a trusted proxy (entries left of an untrusted one
    are client-supplied and ignored)."""
    addr = _ip(peer)
    if addr is None:
        return None
    if not forwarded_for or not any(addr in net for net in trusted):
        return str(addr)
    for entry in reversed([e for e in forwarded_for.split(",") if e.strip()]):
        hop = _ip(entry)
        if hop is None:
            return str(addr)  # garbage in the chain: keep the last address we can vouch for
        addr = hop
        if not any(hop in net for net in trusted):
            break
    return str(addr)


def network_prefix(address: str | None) -> str:
    """The /24 (IPv4) or /64 (IPv6) network of an address, as text; '' when unknown."""
    addr = _ip(address)
    if addr is None:
        return ""
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    bits = 24 if addr.version == 4 else 64
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False))


def keyed(salt: bytes, *parts: str) -> str:
    """HMAC-SHA256 of the parts under the day's salt, 32 hex digits."""
    msg = "\x1f".join(parts).encode("utf-8", "replace")
    return hmac.new(salt, msg, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Agent:
    app: str  # user-agent family (ua-parser), e.g. "Chrome", "Apple Podcasts", "Overcast"
    device: str  # "mobile", "desktop", "watch", "speaker", "tablet", "other"
    os: str
    is_bot: bool
    is_watch: bool


_CRAWLERS = CrawlerDetect()


def _device(result, ua: str) -> str:
    fam = (result.device.family if result.device else "") or ""
    os_fam = (result.os.family if result.os else "") or ""
    low = ua.lower()
    if fam == "Apple Watch" or "watchos" in low:
        return "watch"
    if "homepod" in low or "sonos" in low or "alexa" in low or "echo" in low.split("/")[0]:
        return "speaker"
    if fam == "iPad" or "tablet" in low:
        return "tablet"
    if os_fam in ("iOS", "Android") or "mobile" in low:
        return "mobile"
    if os_fam in ("Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora"):
        return "desktop"
    return "other"


@functools.lru_cache(maxsize=4096)
def classify_agent(user_agent: str) -> Agent:
    """App family, device class and bot flag of a user agent (cached: listeners repeat theirs)."""
    ua = (user_agent or "")[:_MAX_UA]
    if not ua.strip():
        return Agent(app="Unknown", device="other", os="Other", is_bot=True, is_watch=False)
    result = parse_ua(ua)
    app = (result.user_agent.family if result.user_agent else None) or "Other"
    device = _device(result, ua)
    is_bot = bool(_CRAWLERS.isCrawler(ua))
    return Agent(app=app[:64], device=device, os=((result.os.family if result.os else None) or "Other")[:64],
                 is_bot=is_bot, is_watch=device == "watch")


class Countries:
    """Country lookups from an operator-provided MaxMind database (GeoLite2/GeoIP2 Country or
    City); without one, every country is ''."""

    def __init__(self, path: str = ""):
        self._reader = None
        self._city = False
        if path:
            import geoip2.database  # only when configured

            self._reader = geoip2.database.Reader(path)
            self._city = "City" in self._reader.metadata().database_type

    def lookup(self, address: str | None) -> str:
        if self._reader is None or not address:
            return ""
        try:
            found = self._reader.city(address) if self._city else self._reader.country(address)
            return (found.country.iso_code or "")[:2]
        except Exception:  # noqa: BLE001  (not in the database, malformed address, wrong db type)
            return ""

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
