"""What job bodies share in one process: settings, storage and the queue (built once)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tonearm.settings import Settings, get_settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    storage: object
    queue: object


_override: list[Context] = []


def use(ctx: Context | None) -> None:
    """Tests and the API process install their own context (same objects as the app)."""
    _override.clear()
    if ctx is not None:
        _override.append(ctx)


@functools.lru_cache(maxsize=1)
def _default() -> Context:
    from tonearm.jobs.queue import open_queue
    from tonearm.storage import open_storage

    settings = get_settings()
    return Context(settings, open_storage(settings.storage_url, settings), open_queue(settings))


def context() -> Context:
    return _override[0] if _override else _default()
