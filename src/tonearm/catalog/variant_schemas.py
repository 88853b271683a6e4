"""POST /v1/track/{id}/variant body, as openapi addTrackVariant documents it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, model_validator

from tonearm.http.inputs import Input

Number = Annotated[float, Field(ge=0, le=100_000)]


class TrackVariantCreate(Input):
    variant_type_id: Literal["transcode", "preview"]
    index: Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$", strict=True)]
    codec: Literal["aac", "mp3", "ogg", "opus"] = "aac"
    bitrate: Annotated[int, Field(strict=True, ge=12, le=320)] = 128
    is_stereo: StrictBool = True
    is_strip_tags: StrictBool = True
    is_strip_cover: StrictBool = True
    #: Tonearm addition: "cmaf" writes AAC as fragmented MP4 for gapless MSE playback.
    container: Literal["file", "cmaf"] = "file"
    preview_type: Literal["seconds", "percent"] = "seconds"
    preview_seconds: Number = 60
    preview_min_percent: Annotated[float, Field(ge=0, le=100)] = 0
    preview_max_percent: Annotated[float, Field(ge=0, le=100)] = 50
    preview_percent: Annotated[float, Field(ge=0, le=100)] = 25
    preview_min_seconds: Number = 0
    preview_max_seconds: Number = 90
    preview_start_percent: Annotated[float, Field(ge=0, le=100)] = 25

    @model_validator(mode="after")
    def _ranges(self) -> "TrackVariantCreate":
        if self.index in ("original", "levels", "waveform", "peaks", "cover"):
            raise ValueError(f"index {self.index!r} is reserved")
        if self.preview_min_percent > self.preview_max_percent:
            raise ValueError("preview_min_percent must not exceed preview_max_percent")
        if self.preview_min_seconds > self.preview_max_seconds:
            raise ValueError("preview_min_seconds must not exceed preview_max_seconds")
        if self.container == "cmaf" and self.codec != "aac":
            raise ValueError("container 'cmaf' is for codec 'aac'")
        return self

    def settings(self) -> dict:
        out = {
            "codec": self.codec,
            "bitrate": self.bitrate,
            "is_stereo": self.is_stereo,
            "is_strip_tags": self.is_strip_tags,
            "is_strip_cover": self.is_strip_cover,
        }
        if self.container == "cmaf":
            out["container"] = "cmaf"
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
