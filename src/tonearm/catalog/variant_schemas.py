"""POST /v1/track/{id}/variant body, as openapi addTrackVariant documents it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, model_validator

from tonearm.http.inputs import Input

Number = Annotated[float, Field(ge=0, le=100_000)]
#: Per-rung encoder settings and the codec each belongs to.
ENCODER_FIELDS = {"mp3_quality": "mp3", "aac_coder": "aac", "aac_cutoff": "aac",
                  "aac_intensity_stereo": "aac", "opus_complexity": "opus"}


class TrackVariantCreate(Input):
    variant_type_id: Literal["transcode", "preview"]
    index: Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$", strict=True)]
    codec: Literal["aac", "mp3", "ogg", "opus"] = "aac"
    bitrate: Annotated[int, Field(strict=True, ge=12, le=320)] = 128
    is_stereo: StrictBool = True
    is_strip_tags: StrictBool = True
    is_strip_cover: StrictBool = True
    preview_type: Literal["seconds", "percent"] = "seconds"
    preview_seconds: Number = 60
    preview_min_percent: Annotated[float, Field(ge=0, le=100)] = 0
    preview_max_percent: Annotated[float, Field(ge=0, le=100)] = 50
    preview_percent: Annotated[float, Field(ge=0, le=100)] = 25
    preview_min_seconds: Number = 0
    preview_max_seconds: Number = 90
    preview_start_percent: Annotated[float, Field(ge=0, le=100)] = 25
    # Tonearm additions: encoder settings of this rung (docs/processing.md, "Encoder settings");
    # omitted = the defaults chosen by bench/quality.py.
    mp3_quality: Annotated[int, Field(strict=True, ge=0, le=9)] | None = None
    aac_coder: Literal["fast", "twoloop"] | None = None
    aac_cutoff: Annotated[int, Field(strict=True, ge=0, le=22050)] | None = None
    aac_intensity_stereo: StrictBool | None = None
    opus_complexity: Annotated[int, Field(strict=True, ge=0, le=10)] | None = None

    @model_validator(mode="after")
    def _ranges(self) -> "TrackVariantCreate":
        if self.index in ("original", "levels", "waveform", "peaks", "cover"):
            raise ValueError(f"index {self.index!r} is reserved")
        if self.preview_min_percent > self.preview_max_percent:
            raise ValueError("preview_min_percent must not exceed preview_max_percent")
        if self.preview_min_seconds > self.preview_max_seconds:
            raise ValueError("preview_min_seconds must not exceed preview_max_seconds")
        for name, codec in ENCODER_FIELDS.items():
            if getattr(self, name) is not None and self.codec != codec:
                raise ValueError(f"{name} applies to codec {codec!r} only")
        if self.aac_cutoff is not None and 0 < self.aac_cutoff < 4000:
            raise ValueError("aac_cutoff must be 0 (automatic) or 4000-22050 Hz")
        return self

    def settings(self) -> dict:
        out = {
            "codec": self.codec,
            "bitrate": self.bitrate,
            "is_stereo": self.is_stereo,
            "is_strip_tags": self.is_strip_tags,
            "is_strip_cover": self.is_strip_cover,
        }
        out.update({k: getattr(self, k) for k in ENCODER_FIELDS if getattr(self, k) is not None})
        if self.variant_type_id == "preview":
            out.update(
                preview_type=self.preview_type,
                preview_start_percent=self.preview_start_percent,
            )
            if self.preview_type == "seconds":
                out.update(
                    preview_seconds=self.preview_seconds,
                    preview_min_percent=self.preview_min_percent,
                    preview_max_percent=self.preview_max_percent,
                )
            else:
                out.update(
                    preview_percent=self.preview_percent,
                    preview_min_seconds=self.preview_min_seconds,
                    preview_max_seconds=self.preview_max_seconds,
                )
        return out
