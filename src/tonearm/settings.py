"""One settings object, read from the environment (prefix TONEARM_) once."""

from __future__ import annotations

import functools
import os
import secrets
from typing import Literal
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TONEARM_", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str = ""
    storage_url: str = ""
    public_url: str = ""
    secret_key: str = ""
    # During a rotation: the old SECRET_KEY, still accepted for signatures and API key digests.
    previous_secret_key: str = ""
    bootstrap_key: str = ""
    max_upload_bytes: int = 2 * 1024**3
    host: str = "127.0.0.1"
    port: int = 8000

    # Session bounds shared by upload and play sessions (seconds).
    session_ttl_default: int = 3600
    session_ttl_min: int = 60
    session_ttl_max: int = 86400
    # Signed variant URLs outlive their play session by this margin, so a
    # listener mid-track is not cut off.
    delivery_grace_seconds: int = 7200
    # Delivery of bytes: "direct" (this process), later "redirect"/"accel".
    delivery: str = "direct"
    # Queue: "memory" (tests), "huey-sqlite" default, later redis:// etc.
    queue_url: str = ""
    run_worker: bool = True
    # `tonearm serve`'s own job consumer runs in a child process this many nice levels below the
    # API (and under SCHED_BATCH), so listeners outrank encoding (docs/performance.md); 0 = off:
    # consumer threads inside the API process, as before.
    worker_nice: int = Field(10, ge=0, le=19)
    # Processing jobs: a lease the worker renews while it works; an expired lease means the
    # worker died and the reaper re-enqueues the track, up to job_max_attempts times.
    job_lease_seconds: int = 120
    job_max_attempts: int = 3
    reap_interval_seconds: int = 30
    # Storage or database faults during processing are retried (backoff from infra_retry_base_seconds,
    # capped at 10 min) until this deadline; then the track ends in `error` with the reason.
    infra_retry_deadline_seconds: int = 24 * 3600
    infra_retry_base_seconds: float = 5.0
    # A `receiving` upload with no bytes for this long is released (its URL works again).
    upload_stall_seconds: int = 120
    # tus resumable uploads (docs/uploads.md): how long an unfinished upload is kept (its URL
    # works, its bytes wait) and the PATCH size advertised to clients in track_upload_resumable.
    tus_expires_seconds: int = Field(24 * 3600, ge=60)
    tus_chunk_bytes: int = Field(16 * 1024**2, ge=1024**2)
    # Webhooks: attempts with exponential backoff starting at webhook_retry_base_seconds.
    max_duration_seconds: int = 6 * 3600
    # FFmpeg AAC coder for AAC variants that do not name one: "auto" (fast at >= 192 kbps, twoloop
    # below; docs/processing.md), "fast" or "twoloop" (FFmpeg's default).
    aac_coder: Literal["auto", "fast", "twoloop"] = "auto"
    # Where a track's audio is decoded and encoded: "process" (a render process of its own per job,
    # started from a warm forkserver: renders in parallel do not share a GIL, and a crash inside
    # FFmpeg ends that render, not the worker) or "thread" (in the job's own thread).
    render_isolation: Literal["process", "thread"] = "process"
    webhook_max_attempts: int = 6
    webhook_retry_base_seconds: float = 10.0
    webhook_timeout_seconds: float = 10.0
    # Signed URLs of the files in webhook payloads stay valid this long (signed anew per attempt).
    webhook_file_url_ttl_seconds: int = Field(86400, ge=1, le=30 * 86400)
    # Default variant ladder, delivery indexes in order.
    default_play_variants: list[str] = Field(default_factory=lambda: ["hq", "lq", "preview"])
    # The variant ladder new organizations start with (JSON list of {index, variant_type_id,
    # name, settings}); empty = Tonearm's default (see catalog.service.DEFAULT_LADDER).
    default_ladder: list[dict] = Field(default_factory=list)

    # --- Podcasts (tonearm.podcasts) ---
    # Cache-Control max-age of podcast feeds (seconds): how long apps and proxies may keep a feed.
    podcast_feed_max_age: int = Field(300, ge=0, le=86400)

    # --- Web pages (tonearm.web) ---
    # /dashboard (admin page for API key holders); off in locked-down deployments.
    dashboard_enabled: bool = True

    # --- Scale mode: S3-compatible storage (storage_url = s3://bucket/prefix) ---
    s3_endpoint_url: str = ""  # empty = AWS; MinIO/Garage/R2/rclone: their URL
    s3_region: str = "us-east-1"
    s3_presign_seconds: int = 3600  # lifetime of presigned PUT/POST URLs for uploads
    s3_get_seconds: int = 300  # lifetime of presigned GET URLs behind delivery redirects
    s3_multipart_threshold: int = 64 * 1024**2
    # Delivery "accel": nginx serves bytes from this internal location (X-Accel-Redirect).
    accel_prefix: str = "/_tonearm_objects/"

    # --- Observability ---
    metrics_enabled: bool = True  # Prometheus text at /metrics
    metrics_token: str = ""  # when set, /metrics requires "Authorization: Bearer <token>"
    log_format: str = "text"  # "text" or "json" (one JSON object per line)

    # --- Abuse limits (requests per minute per key / per session; 0 = unlimited) ---
    rate_limit_key_per_minute: int = 0
    rate_limit_session_per_minute: int = 0
    rate_limit_storage_url: str = "memory://"  # or redis://host:6379/0 to share counters between processes

    # --- Listening analytics (tonearm.analytics, docs/analytics.md) ---
    analytics_enabled: bool = True
    analytics_buffer_size: int = Field(20_000, ge=1)  # events buffered per process; beyond it they are dropped (counted)
    analytics_batch_size: int = Field(500, ge=1)  # events per database write
    analytics_flush_seconds: float = Field(1.0, gt=0)  # the buffer is written at least this often
    analytics_retention_days: int = Field(30, ge=1)  # raw events older than this are deleted by the rollup job
    analytics_rollup_seconds: int = Field(300, ge=0)  # the open hour is re-aggregated at most this often
    # Proxies whose X-Forwarded-For is believed (addresses or networks); loopback by default.
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    geoip_database: str = ""  # path to a MaxMind GeoLite2/GeoIP2 Country or City .mmdb; empty = no countries

    @model_validator(mode="after")
    def _derive(self) -> "Settings":
        self.data_dir = Path(self.data_dir).expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'tonearm.db'}"
        if not self.storage_url:
            self.storage_url = f"file://{self.data_dir / 'objects'}"
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        self.public_url = self.public_url.rstrip("/")
        if not self.queue_url:
            self.queue_url = f"huey-sqlite://{self.data_dir / 'queue.db'}"
        return self

    def ensure_secret_key(self) -> str:
        """Return the HMAC secret, generating and storing one under the data dir if unset."""
        if self.secret_key:
            return self.secret_key
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret-key"
        if not path.exists():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process won the race
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_urlsafe(48))
        self.secret_key = path.read_text().strip()
        return self.secret_key


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.ensure_secret_key()
    return settings
