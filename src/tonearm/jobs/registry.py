"""Job names (`stage.verb`) mapped to their bodies. Bodies take one id string and are idempotent."""

from __future__ import annotations

from collections.abc import Callable

TASKS: dict[str, Callable[[str], None]] = {}


def job(name: str):
    def register(fn: Callable[[str], None]) -> Callable[[str], None]:
        TASKS[name] = fn
        return fn

    return register


def load_tasks() -> dict[str, Callable[[str], None]]:
    """Import every module that defines job bodies."""
    import tonearm.processing.tasks  # noqa: F401

    return TASKS
