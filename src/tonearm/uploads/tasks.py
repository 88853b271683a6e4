"""Periodic body of the uploads stage.

uploads.sweep   S3 mode: notice uploads that landed in the bucket but were never reported
                (no-op on local disk)
uploads.tus_sweep  tus uploads: complete those whose last bytes landed just before a crash;
                expire abandoned ones (staging deleted, multipart aborted, the track waits again)
"""

from __future__ import annotations

from tonearm.uploads import tus
from tonearm.uploads.completion import sweep

PERIODIC = {"uploads.sweep": sweep, "uploads.tus_sweep": tus.sweep}
