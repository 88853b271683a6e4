"""Periodic body of the uploads stage.

uploads.sweep   S3 mode: notice uploads that landed in the bucket but were never reported
                (no-op on local disk)
"""

from __future__ import annotations

from tonearm.uploads.completion import sweep

PERIODIC = {"uploads.sweep": sweep}
