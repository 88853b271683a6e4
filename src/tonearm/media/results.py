"""What :func:`tonearm.media.render` reports back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class OutputResult:
    """One encoded file (transcode or preview).

    ``ok`` is false when this output failed; ``error`` then says why and
    ``path`` is ``None`` (no partial file is left behind).  ``bitrate`` is
    the requested rate in kbps; ``avg_bitrate`` what the file really averages.
    """

    name: str
    kind: str  # "transcode" | "preview"
    ok: bool
    error: str | None = None
    path: str | None = None
    size: int | None = None
    duration: float | None = None
    codec: str | None = None
    container: str | None = None
    extension: str | None = None
    mime: str | None = None
    bitrate: int | None = None
    avg_bitrate: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    # previews only (seconds on the full track's timeline)
    capture_start: float | None = None
    capture_end: float | None = None
    full_duration: float | None = None
    #: samples, sample_rate, encoder_delay, padding, ... (see :mod:`tonearm.media.gapless`)
    gapless: dict | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None or k in ("error", "path")}


@dataclass
class RenderResult:
    """Everything one decode produced.

    ``duration`` is measured from the decoded samples (authoritative, unlike
    the header value in :class:`~tonearm.media.probe.Probe`).  ``errors``
    maps analysis names ("levels", "peaks", "loudness") to failure reasons;
    per-file failures live on each :class:`OutputResult`.
    """

    duration: float
    sample_rate: int
    channels: int
    outputs: dict[str, OutputResult] = field(default_factory=dict)
    levels: dict | None = None
    peaks: dict | None = None
    loudness: dict | None = None
    #: the track's 400 ms gating blocks as a loudness histogram (see :mod:`tonearm.media.album`)
    loudness_blocks: dict | None = None
    errors: dict[str, str] = field(default_factory=dict)
    #: packets the decoder rejected (corrupt data that was skipped)
    decode_errors: int = 0
    #: set when reading stopped early because the file is damaged
    truncated: bool = False
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and all(o.ok for o in self.outputs.values())

    def to_dict(self) -> dict:
        d = asdict(self)
        d["outputs"] = {k: v.to_dict() for k, v in self.outputs.items()}
        return d
