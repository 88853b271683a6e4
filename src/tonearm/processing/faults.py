"""Faults of the infrastructure are never the upload's fault.

A processing run can fail for two kinds of reasons:
- **media faults** (not audio, truncated, unsupported, too long): `media.MediaError` /
  `MediaInitError`; the track ends in `error` / `init_error` with the reason, as before;
- **infrastructure faults** (the original missing although the database says it is stored,
  permission denied, S3 5xx / timeouts / bad credentials, the database away, disk full): raised
  as `InfrastructureFault`. The track stays `processing` with a `status_text` saying what it waits
  for, the run is retried with backoff through the lease (the reaper catches a lost message), a
  metric counts it and the log says it at ERROR. Only after `infra_retry_deadline_seconds`
  (default 24 h) does the track end in `error` with the reason — never `init_error`. A failed run
  never deletes the original.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

from prometheus_client import Counter

from tonearm.media import MediaError

FAULTS = Counter("tonearm_processing_infrastructure_faults_total",
                 "Processing runs that hit a storage or database fault (retried)", ["kind"])
BACKOFF_CAP_SECONDS = 600


class InfrastructureFault(Exception):
    def __init__(self, kind: str, waiting_for: str):
        super().__init__(f"{kind}: {waiting_for}")
        self.kind = kind  # "storage" | "database"
        self.waiting_for = waiting_for


class RenderProcessDied(RuntimeError):
    """The render process (processing/renderers.py) ended without an answer: killed (the OOM
    killer, an operator) or crashed inside FFmpeg. Retried like any unexpected failure, up to
    TONEARM_JOB_MAX_ATTEMPTS; then the track ends in `error` saying so."""


def describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextlib.contextmanager
def storage_step(what: str) -> Iterator[None]:
    """Storage calls of a run: anything but a media error is the storage's fault, not the upload's."""
    try:
        yield
    except (MediaError, InfrastructureFault):
        raise
    except Exception as exc:
        raise InfrastructureFault("storage", f"{what} ({describe(exc)})") from exc


def backoff(fault_count: int, base: float) -> float:
    """Seconds before retry number `fault_count` (1, 2, …): exponential, capped, with jitter."""
    delay = min(BACKOFF_CAP_SECONDS, base * 2 ** max(0, fault_count - 1))
    return delay * random.uniform(0.8, 1.2)
