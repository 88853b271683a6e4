"""Build the one `Runtime` of a process (`create_app`, `tonearm worker`, tests call this)."""

from __future__ import annotations

from tonearm.db.session import get_sessionmaker
from tonearm.delivery.urls import UrlSigner
from tonearm.jobs.queue import open_queue
from tonearm.jobs.runtime import Runtime, TaskTable
from tonearm.settings import Settings
from tonearm.storage import open_storage
from tonearm.tasks import TASKS


def build_runtime(settings: Settings, *, storage=None, queue=None, tasks: TaskTable | None = None) -> Runtime:
    """Open what the settings name (storage and queue may be given instead) and bind the job bodies."""
    tasks = TASKS if tasks is None else tasks
    settings.ensure_secret_key()
    runtime = Runtime(
        settings=settings,
        sessionmaker=get_sessionmaker(settings.database_url),
        storage=storage if storage is not None else open_storage(settings.storage_url, settings),
        queue=queue if queue is not None else open_queue(settings),
        signer=UrlSigner(settings.secret_key, settings.public_url),
    )
    runtime.queue.bind(runtime, tasks)
    return runtime
