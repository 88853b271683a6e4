"""Job bodies: fetch original → media → variants → status → webhooks (issue "Processing pipeline")."""

from __future__ import annotations

from tonearm.jobs.registry import job  # noqa: F401
