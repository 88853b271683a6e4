"""Listening analytics (docs/analytics.md): delivery and player events, IAB downloads, plays,
hourly rollups and the stats routes.

Byte-serving routes call `record_delivery(request, DeliveryFacts(...))` once per request; it
only appends to the process's bounded buffer (`recorder.Recorder`) and never blocks."""

from __future__ import annotations

import threading

from tonearm.analytics.facts import DeliveryFacts, PlayerFacts
from tonearm.analytics.recorder import Recorder

__all__ = ["DeliveryFacts", "PlayerFacts", "record_delivery", "record_player_events", "recorder", "close"]

_making = threading.Lock()


def recorder(app) -> Recorder | None:
    """The app's recorder (made on first use), or None when analytics are off."""
    rec = getattr(app.state, "analytics", None)
    if rec is None:
        rt = app.state.runtime
        if not rt.settings.analytics_enabled:
            return None
        with _making:
            rec = getattr(app.state, "analytics", None)
            if rec is None:
                rec = app.state.analytics = Recorder(rt)
    return rec


def record_delivery(request, facts: DeliveryFacts) -> None:
    """Record one byte-serving request (the `/d/` routes, the podcast enclosure route)."""
    rec = recorder(request.app)
    if rec is not None:
        rec.offer(facts)


def record_player_events(request, events: list[PlayerFacts]) -> int:
    """Record a player's events; the number accepted into the buffer."""
    rec = recorder(request.app)
    if rec is None:
        return 0
    return sum(rec.offer(e) for e in events)


def close(app) -> None:
    """Write what is buffered (the app's shutdown)."""
    rec = getattr(app.state, "analytics", None)
    if rec is not None:
        rec.close()
