"""Python SDK for Tonearm (the AudioDN v1 HTTP API): ``Tonearm`` (sync) and ``AsyncTonearm`` (async).

    from tonearm.client import Tonearm

    with Tonearm("http://127.0.0.1:8000", api_key) as tn:
        col = tn.collections.create("Demo")
        track = tn.upload_file("song.mp3", col.id)
        tn.wait_until_ready(track.id)
        print(tn.play_session(collection_id=col.id).play_session_id)

This package imports only httpx, pydantic and the standard library (never the server code)."""

from tonearm.client.client import DEFAULT_URL, AsyncTonearm, Tonearm
from tonearm.client.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GoneError,
    NotFoundError,
    PermissionDeniedError,
    ProcessingError,
    TonearmConnectionError,
    TonearmError,
    WaitTimeout,
)
from tonearm.client.models import (
    FAILED_STATUSES,
    TERMINAL_STATUSES,
    ApiKey,
    Collection,
    Creator,
    Download,
    Organization,
    Page,
    Playlist,
    PlayListEntry,
    PlaySession,
    PlaySessionInfo,
    PlayTrack,
    PlayVariant,
    Track,
    TrackUpload,
    UploadHandle,
    UploadResult,
    UploadSession,
    UploadSessionInfo,
    Variant,
)
from tonearm.client.uploads import AUDIO_EXTENSIONS, is_audio_name, sha256_file
from tonearm.client.webhooks import SIGNATURE_HEADER, verify_webhook

__all__ = [
    "AUDIO_EXTENSIONS", "DEFAULT_URL", "FAILED_STATUSES", "SIGNATURE_HEADER", "TERMINAL_STATUSES",
    "ApiKey", "AsyncTonearm", "AuthenticationError", "BadRequestError", "Collection", "ConflictError", "Creator",
    "Download", "GoneError", "NotFoundError", "Organization", "Page", "PermissionDeniedError", "PlayListEntry",
    "PlaySession", "PlaySessionInfo", "PlayTrack", "PlayVariant", "Playlist", "ProcessingError", "Tonearm",
    "TonearmConnectionError", "TonearmError", "Track", "TrackUpload", "UploadHandle", "UploadResult",
    "UploadSession", "UploadSessionInfo", "Variant", "WaitTimeout", "is_audio_name", "sha256_file",
    "verify_webhook",
]
