"""The writer's identity cache: one derivation per (day, address, user agent), a new day's salt."""

from __future__ import annotations

from tonearm.analytics.facts import PlayerFacts
from tonearm.analytics.listener import Countries, keyed, trusted_networks
from tonearm.analytics.rows import Identities

DAY = 20_000 * 86400.0  # a UTC midnight


class Salts:
    def __init__(self):
        self.asked: list[str] = []

    def get(self, day: str) -> bytes:
        self.asked.append(day)
        return day.encode().ljust(32, b"-")


def _facts(at: float, client: str, ua: str = "Overcast/3.0", forwarded_for: str | None = None) -> PlayerFacts:
    return PlayerFacts(kind="play", track_id=None, play_session_id=None, user_agent=ua, client=client,
                       forwarded_for=forwarded_for, at=at)


def test_one_derivation_per_listener_and_day_with_that_days_salt():
    salts = Salts()
    ids = Identities(salts, Countries(""), trusted_networks(["127.0.0.1"]))
    first = ids.of(_facts(DAY + 10, "198.51.100.7"))
    assert first.listener_key == keyed(salts.get("2024-10-04"), "listener", "198.51.100.0/24", "Overcast/3.0")
    assert first.network_key == keyed(salts.get("2024-10-04"), "network", "198.51.100.0/24")
    assert "198.51.100" not in first.listener_key + first.network_key
    salts.asked.clear()
    assert ids.of(_facts(DAY + 500, "198.51.100.7")) is first  # cached: no salt asked, nothing re-derived
    assert salts.asked == []
    # same /24 through the trusted proxy: same key, derived anew (another cache entry)
    assert ids.of(_facts(DAY + 600, "127.0.0.1", forwarded_for="198.51.100.9")).listener_key == first.listener_key
    assert ids.of(_facts(DAY + 600, "198.51.100.7", ua="AppleCoreMedia/1.0")).listener_key != first.listener_key
    # the next UTC day: its own salt, another key for the same listener
    next_day = ids.of(_facts(DAY + 86400 + 5, "198.51.100.7"))
    assert salts.asked[-1] == "2024-10-05"
    assert next_day.listener_key != first.listener_key
    # an event of the previous day arriving late still gets the previous day's key
    assert ids.of(_facts(DAY + 86399, "198.51.100.7")).listener_key == first.listener_key
