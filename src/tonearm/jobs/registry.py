"""Job names (`stage.verb`) mapped to their bodies. Bodies take one id string and are idempotent."""

from __future__ import annotations

from collections.abc import Callable

TASKS: dict[str, Callable[[str], None]] = {}
# Periodic bodies (no argument), run about once a minute by the consumer.
PERIODIC: dict[str, Callable[[], None]] = {}


def job(name: str):
    def register(fn: Callable[[str], None]) -> Callable[[str], None]:
        TASKS[name] = fn
        return fn

    return register


def periodic(name: str):
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        PERIODIC[name] = fn
        return fn

    return register


def load_tasks() -> dict[str, Callable[[str], None]]:
    """Import every module that defines job bodies."""
    import tonearm.processing.tasks  # noqa: F401
    import tonearm.webhooks.tasks  # noqa: F401

    return TASKS
