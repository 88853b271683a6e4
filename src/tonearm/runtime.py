"""Build the one `Runtime` of a process (`create_app`, `tonearm worker`, tests call this), and the
storage canary that proves a worker sees the API's storage."""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from pathlib import Path

from tonearm.db.deployment import deployment
from tonearm.db.session import get_sessionmaker
from tonearm.delivery.urls import UrlSigner
from tonearm.jobs.offload import Offload
from tonearm.jobs.queue import open_queue
from tonearm.jobs.runtime import Runtime, TaskTable
from tonearm.keyring import Keyring, Purpose
from tonearm.logging import redact
from tonearm.settings import Settings
from tonearm.storage import keys, open_storage
from tonearm.tasks import TASKS

# Outbound calls (webhook POSTs) of one process: threads in all, and at once per receiver host.
OFFLOAD_WORKERS = 8
OFFLOAD_PER_KEY = 2


def build_runtime(settings: Settings, *, storage=None, queue=None, tasks: TaskTable | None = None,
                  offload: Offload | None = None) -> Runtime:
    """Open what the settings name (storage, queue and offload may be given instead) and bind the job bodies."""
    tasks = TASKS if tasks is None else tasks
    keyring = Keyring.of(settings)

    def signer(purpose: Purpose) -> UrlSigner:
        current, *previous = keyring.keys(purpose)
        return UrlSigner(current, settings.public_url, previous=tuple(previous))

    queue = queue if queue is not None else open_queue(settings)
    if offload is None:
        # A queue with a consumer runs job bodies on its threads: give slow calls their own.
        # The inline queues (memory, immediate) expect a body's work done when it returns.
        offload = Offload(OFFLOAD_WORKERS, per_key=OFFLOAD_PER_KEY) if hasattr(queue, "start_consumer") else Offload()
    runtime = Runtime(
        settings=settings,
        sessionmaker=get_sessionmaker(settings.database_url),
        storage=storage if storage is not None else open_storage(settings.storage_url, settings),
        queue=queue,
        signer=signer(Purpose.DELIVERY_URL),
        upload_signer=signer(Purpose.UPLOAD_URL),
        keyring=keyring,
        offload=offload,
        events=dict(tasks.events),
    )
    runtime.queue.bind(runtime, tasks)
    return runtime


# ---- The storage canary: proof that a worker sees the API's storage before it takes work.


class CanaryMismatch(RuntimeError):
    """This process's storage is not the one the API writes to (one line, for the operator)."""


def storage_label(settings: Settings) -> str:
    """The storage URL without credentials, for messages."""
    return redact(re.sub(r"//[^/@]*@", "//", settings.storage_url))


def write_canary(rt: Runtime) -> uuid.UUID:
    """Write the deployment id into storage (the API at start and `db upgrade`); idempotent."""
    with rt.unit() as db:
        row = deployment(db)
        row.storage_url = storage_label(rt.settings)
        deployment_id = row.id
    found = _read_canary(rt)
    if found != str(deployment_id):
        rt.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=rt.settings.data_dir, suffix=".canary", delete=False) as fh:
            json.dump({"deployment_id": str(deployment_id), "storage_url": storage_label(rt.settings)}, fh)
        try:
            rt.storage.put(keys.CANARY, Path(fh.name))
        finally:
            Path(fh.name).unlink(missing_ok=True)
    return deployment_id


def _read_canary(rt: Runtime) -> str | None:
    try:
        if rt.storage.stat(keys.CANARY) is None:
            return None
        with rt.storage.open(keys.CANARY) as fh:
            return json.loads(fh.read(4096) or b"{}").get("deployment_id")
    except (OSError, ValueError, AttributeError):
        return None


def check_canary(rt: Runtime) -> None:
    """Refuse (CanaryMismatch) unless this storage holds the canary of this database's deployment."""
    with rt.unit() as db:
        row = deployment(db)
        expected, api_storage = str(row.id), row.storage_url
    found = _read_canary(rt)
    if found == expected:
        return
    mine = storage_label(rt.settings)
    if api_storage is None:
        raise CanaryMismatch(f"no API has started on this database yet (no storage canary); start `tonearm serve` "
                             f"or run `tonearm db upgrade` first (this worker's storage: {mine})")
    what = "another deployment's canary" if found else "no canary"
    raise CanaryMismatch(f"this worker's storage {mine} holds {what}, but the API writes to {api_storage}: "
                         "point TONEARM_STORAGE_URL (and its credentials) at the API's storage")
