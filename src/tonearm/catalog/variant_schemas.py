"""POST /v1/track/{id}/variant body, as openapi addTrackVariant documents it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, model_validator

from tonearm.http.inputs import Input
from tonearm.media.specs import VIDEO_MAX_FPS, VIDEO_MAX_SIDE, VIDEO_MIN_SIDE, video_size_problem

Number = Annotated[float, Field(ge=0, le=100_000)]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$", strict=True)]
VideoSide = Annotated[int, Field(strict=True, ge=VIDEO_MIN_SIDE, le=VIDEO_MAX_SIDE, multiple_of=2)]
WINDOW_FIELDS = ("preview_type", "preview_seconds", "preview_min_percent", "preview_max_percent",
                 "preview_percent", "preview_min_seconds", "preview_max_seconds", "preview_start_percent")
#: Per-rung encoder settings and the codec each belongs to.
ENCODER_FIELDS = {"mp3_quality": "mp3", "aac_coder": "aac", "aac_cutoff": "aac",
                  "aac_intensity_stereo": "aac", "aac_tns": "aac", "opus_complexity": "opus"}


class WaveformVideoFields(Input):
    """Tonearm's options of a `waveform_video` recipe (docs/api.md#waveform-video); the other types
    ignore them. `progress_color` left out: the track's player colour."""

    width: VideoSide = 1280
    height: VideoSide = 720
    fps: Annotated[int, Field(strict=True, ge=1, le=VIDEO_MAX_FPS)] = 25
    background_color: Color = "#111827"
    waveform_color: Color = "#4b5563"
    progress_color: Color | None = None
    text_color: Color = "#f9fafb"
    is_embed_audio: StrictBool = True
    is_show_cover: StrictBool = True
    is_show_title: StrictBool = True

    @model_validator(mode="after")
    def _video_size(self) -> "WaveformVideoFields":
        problem = video_size_problem(self.width, self.height)
        if problem:
            raise ValueError(problem)
        return self

    def video_settings(self) -> dict:
        """The recipe: the preview window only when the body set one (else the track's preview
        window is used), the AAC bitrate only when audio is embedded."""
        out = {"format": "mp4", "width": self.width, "height": self.height, "fps": self.fps,
               "background_color": self.background_color, "waveform_color": self.waveform_color,
               "text_color": self.text_color, "is_embed_audio": self.is_embed_audio,
               "is_show_cover": self.is_show_cover, "is_show_title": self.is_show_title}
        if self.progress_color:
            out["progress_color"] = self.progress_color
        if self.is_embed_audio:
            out["bitrate"] = getattr(self, "bitrate", 128)
        if self.model_fields_set & set(WINDOW_FIELDS):
            out.update({k: getattr(self, k) for k in WINDOW_FIELDS})
        return out


class TrackVariantCreate(WaveformVideoFields):
    variant_type_id: Literal["transcode", "preview", "waveform_video"]
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
    # Tonearm: false makes the variant optional; the track is `ready` without it, and
    # `files_completed_at` is stamped (a second webhook) once it is made or has failed.
    is_required: StrictBool = True
    # Tonearm additions: encoder settings of this rung (docs/processing.md, "Encoder settings");
    # omitted = the defaults chosen by bench/quality.py.
    mp3_quality: Annotated[int, Field(strict=True, ge=0, le=9)] | None = None
    aac_coder: Literal["fast", "twoloop"] | None = None
    aac_cutoff: Annotated[int, Field(strict=True, ge=0, le=22050)] | None = None
    aac_intensity_stereo: StrictBool | None = None
    aac_tns: StrictBool | None = None
    opus_complexity: Annotated[int, Field(strict=True, ge=0, le=10)] | None = None

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
        for name, codec in ENCODER_FIELDS.items():
            if getattr(self, name) is not None and self.codec != codec:
                raise ValueError(f"{name} applies to codec {codec!r} only")
        if self.aac_cutoff is not None and 0 < self.aac_cutoff < 4000:
            raise ValueError("aac_cutoff must be 0 (automatic) or 4000-22050 Hz")
        return self

    def settings(self) -> dict:
        if self.variant_type_id == "waveform_video":
            return self.video_settings()
        out = {
            "codec": self.codec,
            "bitrate": self.bitrate,
            "is_stereo": self.is_stereo,
            "is_strip_tags": self.is_strip_tags,
            "is_strip_cover": self.is_strip_cover,
        }
        if self.container == "cmaf":
            out["container"] = "cmaf"
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
