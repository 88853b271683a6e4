"""The one runtime of a process: what request handlers and job bodies share.

Entry points build it once (`tonearm.runtime.build_runtime`: `create_app`, `tonearm worker`,
tests) and hand it down: the app keeps it on `app.state.runtime`, the queue passes it to every
job body as its first argument. Nothing else holds these objects, and nothing here knows a stage.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from tonearm.db.session import unit_of_work
from tonearm.jobs.offload import Offload
from tonearm.keyring import Keyring
from tonearm.settings import Settings

if TYPE_CHECKING:
    from tonearm.delivery.urls import UrlSigner
    from tonearm.jobs.queue import Queue

# A job body takes the runtime and one id; a periodic body takes only the runtime.
JobBody = Callable[["Runtime", str], None]
PeriodicBody = Callable[["Runtime"], None]
# A change a lower stage reports, recorded by a higher one in the same transaction (the catalog's
# collection.created → the webhooks' delivery rows): (runtime, session, subject, details) → the
# jobs to enqueue once the caller has committed, as (name, id) pairs. Recorders flush, never commit.
Recorder = Callable[["Runtime", Session, Any, dict], list[tuple[str, str]]]


@dataclass(frozen=True)
class TaskTable:
    """Job names (`stage.verb`) → bodies, handed to the queue and the sweeper by the entry point."""

    jobs: dict[str, JobBody] = field(default_factory=dict)
    periodic: dict[str, PeriodicBody] = field(default_factory=dict)
    events: dict[str, Recorder] = field(default_factory=dict)  # event name → recorder (Runtime.emit)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessionmaker: sessionmaker[Session]
    storage: Any
    queue: "Queue"
    signer: "UrlSigner"  # delivery URLs (/d/…)
    upload_signer: "UrlSigner"  # upload, cover and completion URLs (/u/…)
    keyring: Keyring  # the per-purpose subkeys both signers and the API key pepper come from
    clock: Callable[[], float] = time.time
    # Slow outbound calls (webhook POSTs) run here, never on the consumer's threads; the default
    # runs them inline (memory/immediate queues, tests). build_runtime gives consumer queues threads.
    offload: Offload = field(default_factory=Offload)
    # Event name → recorder, from the entry point's task table; an event without one records nothing.
    events: dict[str, Recorder] = field(default_factory=dict)

    def unit(self) -> contextlib.AbstractContextManager[Session]:
        """One unit of work for a job body or flow: commit on success, roll back on error."""
        return unit_of_work(self.sessionmaker)

    def enqueue(self, name: str, obj_id: object, delay: float = 0) -> str | None:
        """Hand a job to the queue (after the row it names is committed)."""
        return self.queue.enqueue(name, str(obj_id), delay)

    def emit(self, db: Session, event: str, subject: object, **details: Any) -> list[tuple[str, str]]:
        """Record `event` about `subject` in `db`'s transaction (the caller commits); returns the
        jobs to hand to `enqueue_all` after the commit."""
        recorder = self.events.get(event)
        return recorder(self, db, subject, details) if recorder is not None else []

    def enqueue_all(self, jobs: list[tuple[str, str]]) -> None:
        for name, obj_id in jobs:
            self.enqueue(name, obj_id)
