"""Play session request body (seed: play-sessions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StringConstraints

from tonearm.http.inputs import Input

VariantIndex = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", strict=True)]


class PlaySessionCreate(Input):
    variants: Annotated[list[VariantIndex], Field(max_length=20)] | None = None
    collection_id: uuid.UUID | None = None
    track_id: uuid.UUID | None = None
    playlist_id: uuid.UUID | None = None
    is_downloadable: StrictBool = False
    expires_in: StrictInt | StrictFloat | None = None
    organization_index: Annotated[str, StringConstraints(max_length=200, strict=True)] | None = None
    metadata: dict | None = None
