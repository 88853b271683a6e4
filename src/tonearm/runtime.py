"""Build the one `Runtime` of a process (`create_app`, `tonearm worker`, tests call this)."""

from __future__ import annotations

from tonearm.db.session import get_sessionmaker
from tonearm.delivery.urls import UrlSigner
from tonearm.jobs.offload import Offload
from tonearm.jobs.queue import open_queue
from tonearm.jobs.runtime import Runtime, TaskTable
from tonearm.settings import Settings
from tonearm.storage import open_storage
from tonearm.tasks import TASKS

# Outbound calls (webhook POSTs) of one process: threads in all, and at once per receiver host.
OFFLOAD_WORKERS = 8
OFFLOAD_PER_KEY = 2


def build_runtime(settings: Settings, *, storage=None, queue=None, tasks: TaskTable | None = None,
                  offload: Offload | None = None) -> Runtime:
    """Open what the settings name (storage, queue and offload may be given instead) and bind the job bodies."""
    tasks = TASKS if tasks is None else tasks
    settings.ensure_secret_key()
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
        signer=UrlSigner(settings.secret_key, settings.public_url),
        offload=offload,
    )
    runtime.queue.bind(runtime, tasks)
    return runtime
