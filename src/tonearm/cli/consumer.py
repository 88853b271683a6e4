"""The job consumer `tonearm serve` runs in a child process (tonearm.jobs.child starts it):

    python -m tonearm.cli.consumer --parent-pid PID [--nice 10] [--concurrency 2] [--log-level info]

It first lowers its CPU priority (nice value and SCHED_BATCH, before any thread exists, so every
later thread inherits them) and ties its life to the parent's, then builds its own Runtime from
the same environment as the parent and consumes jobs until SIGTERM or SIGINT (running jobs
finish; a second signal ends it now). Not a command for operators: `tonearm worker` is the stand-alone consumer.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tonearm.cli.consumer", description=__doc__.splitlines()[0])
    ap.add_argument("--parent-pid", type=int, required=True)
    ap.add_argument("--nice", type=int, default=0, help="nice levels below the parent")
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--log-level", default="info")
    args = ap.parse_args(argv)

    from tonearm.jobs import priority

    nice = priority.lower(args.nice)  # first: no thread exists yet
    priority.die_with_parent(args.parent_pid, watch_fd=sys.stdin.fileno())

    from tonearm import logging as tlog
    from tonearm.cli.serving import stop_on_signals, warm_renderers
    from tonearm.runtime import build_runtime
    from tonearm.settings import get_settings

    settings = get_settings()
    tlog.configure(settings.log_format, args.log_level)
    queue = build_runtime(settings).queue
    warm_renderers(settings, args.concurrency)
    consumer = queue.start_consumer(workers=args.concurrency, reap_interval=settings.reap_interval_seconds)
    stop = stop_on_signals()
    batch = hasattr(os, "SCHED_BATCH") and os.sched_getscheduler(0) == os.SCHED_BATCH
    logging.getLogger("tonearm.jobs").info("job consumer running (pid %d, %d threads, nice %d%s)", os.getpid(),
                                           args.concurrency, nice, ", SCHED_BATCH" if batch else "")
    stop.wait()
    consumer.stop(graceful=True)
    logging.shutdown()
    os._exit(0)  # everything is committed: skip the interpreter's second-long teardown


if __name__ == "__main__":  # pragma: no cover
    main()
