"""The closed sets of a track's life, stored as these exact strings (no migration of values).

Upload:   pending ──PUT/tus/S3 claim──► receiving ──stored──► stored
             ▲                              │
             └────── released (error, stale)┘        pending ──too large──► rejected
Track:    initialized → processing → fallback (playable from the original) → ready | incomplete | error
          initialized → init_error (the upload itself was refused or is not audio)
"""

from __future__ import annotations

from enum import StrEnum


class UploadState(StrEnum):
    PENDING = "pending"  # waiting for bytes; the upload URL works
    RECEIVING = "receiving"  # one request is streaming bytes in
    STORED = "stored"  # the original is in storage
    REJECTED = "rejected"  # the object that arrived was refused (e.g. over the limit)


class TrackStatus(StrEnum):
    INITIALIZED = "initialized"
    PROCESSING = "processing"
    FALLBACK = "fallback"
    FALLBACK_PROCESSING = "fallback_processing"
    READY = "ready"
    INCOMPLETE = "incomplete"
    ERROR = "error"
    INIT_ERROR = "init_error"


# Waiting for (or in) processing: a worker may claim these.
ACTIVE = (TrackStatus.PROCESSING, TrackStatus.FALLBACK, TrackStatus.FALLBACK_PROCESSING)
# Play sessions may include these.
PLAYABLE = (TrackStatus.READY, TrackStatus.INCOMPLETE, TrackStatus.FALLBACK, TrackStatus.FALLBACK_PROCESSING,
            TrackStatus.PROCESSING)
# A processing run ended; webhooks fire.
TERMINAL = (TrackStatus.READY, TrackStatus.INCOMPLETE, TrackStatus.ERROR, TrackStatus.INIT_ERROR)
# A terminal status with something to play.
FINISHED_PLAYABLE = (TrackStatus.READY, TrackStatus.INCOMPLETE)
