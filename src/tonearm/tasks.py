"""Every job body of every stage, in one table: the only module that imports the stages' tasks.

Entry points hand `TASKS` to the queue (`Queue.bind`) and so to the sweeper; `jobs/` never
imports a stage.
"""

from __future__ import annotations

from tonearm.jobs.runtime import TaskTable
from tonearm.podcasts import tasks as podcasts
from tonearm.processing import tasks as processing
from tonearm.uploads import tasks as uploads
from tonearm.webhooks import tasks as webhooks

TASKS = TaskTable(
    jobs={**processing.JOBS, **webhooks.JOBS, **podcasts.JOBS},
    periodic={**processing.PERIODIC, **uploads.PERIODIC, **webhooks.PERIODIC, **podcasts.PERIODIC},
    events={**webhooks.EVENTS},
)
