"""Request bodies for shows, episodes and subscribers (Tonearm extensions) and their response shapes."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StrictBool, StringConstraints, model_validator

from tonearm.catalog.schemas import CollectionUpdate, TrackUpdate
from tonearm.http.inputs import Input
from tonearm.podcasts import categories as apple
from tonearm.wire import iso


def _text(n: int, *, min_length: int = 0) -> Any:
    return Annotated[str, StringConstraints(min_length=min_length, max_length=n, strict=True)]


Url = Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://[^\s<>\"]+$", strict=True)]
Email = Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$",
                                         strict=True)]
Language = Annotated[str, StringConstraints(max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
                                            strict=True)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$", strict=True)]
Count = Annotated[int, Field(strict=True, ge=0, le=1_000_000_000)]
Seconds = Annotated[float, Field(ge=0, le=10 * 24 * 3600)]


class ShowType(StrEnum):
    EPISODIC = "episodic"
    SERIAL = "serial"


class EpisodeType(StrEnum):
    FULL = "full"
    TRAILER = "trailer"
    BONUS = "bonus"


class CategoryIn(Input):
    category: _text(100, min_length=1)
    subcategory: _text(100, min_length=1) | None = None

    @model_validator(mode="after")
    def _apple(self):
        apple.check(self.category, self.subcategory)
        return self


class FundingIn(Input):
    url: Url
    text: _text(128) = ""


class ShowIn(Input):
    """The `podcast` object of `PUT /v1/collection/{id}` (every field optional; absent = unchanged)."""

    title: _text(500, min_length=1) | None = None
    description: _text(4000) | None = None
    author: _text(500) | None = None
    owner_name: _text(500) | None = None
    owner_email: Email | None = None
    language: Language | None = None
    categories: Annotated[list[CategoryIn], Field(max_length=apple.MAX_CATEGORIES)] | None = None
    explicit: StrictBool | None = None
    type: ShowType | None = None
    link: Url | None = None
    copyright: _text(500) | None = None
    funding: Annotated[list[FundingIn], Field(max_length=10)] | None = None
    locked: StrictBool | None = None
    complete: StrictBool | None = None
    private: StrictBool | None = None
    slug: Slug | None = None
    enclosure_variant: _text(64, min_length=1) | None = None
    guid: uuid.UUID | None = None


class SoundbiteIn(Input):
    start_time: Seconds
    duration: Annotated[float, Field(gt=0, le=600)]
    title: _text(128) = ""


class PersonIn(Input):
    name: _text(128, min_length=1)
    role: _text(64) = "host"
    group: _text(64) = "cast"
    img: Url | None = None
    href: Url | None = None


class EpisodeIn(Input):
    """The `episode` object of `PUT /v1/track/{id}` (every field optional; absent = unchanged)."""

    title: _text(500, min_length=1) | None = None
    description: _text(100_000) | None = None
    pub_date: dt.datetime | None = None
    episode_number: Count | None = None
    season_number: Count | None = None
    episode_type: EpisodeType | None = None
    explicit: StrictBool | None = None
    guid: _text(500, min_length=1) | None = None
    link: Url | None = None
    chapters: dict[str, Any] | None = None
    soundbites: Annotated[list[SoundbiteIn], Field(max_length=50)] | None = None
    persons: Annotated[list[PersonIn], Field(max_length=50)] | None = None


class ChaptersIn(Input):
    """A Podcasting 2.0 JSON chapters document (checked in full by content.check_chapters)."""

    model_config = ConfigDict(extra="allow")

    version: _text(20, min_length=1)
    chapters: list[Any]


class CollectionPodcastUpdate(CollectionUpdate):
    """`PUT /v1/collection/{id}` with Tonearm's `podcast` extension."""

    podcast: ShowIn | None = None


class TrackEpisodeUpdate(TrackUpdate):
    """`PUT /v1/track/{id}` with Tonearm's `episode` extension."""

    episode: EpisodeIn | None = None


class SubscriberCreate(Input):
    title: _text(500) | None = None
    email: Email | None = None
    external_id: _text(200) | None = None
    expires_at: dt.datetime | None = None


# ---------------------------------------------------------------- responses


def show_out(show, *, feed_url: str, warnings: list[str]) -> dict:
    return {
        "collection_id": show.collection_id,
        "title": show.title, "description": show.description, "author": show.author,
        "owner_name": show.owner_name, "owner_email": show.owner_email, "language": show.language,
        "categories": [{"category": c, "subcategory": s} for c, s in show.categories or []],
        "explicit": show.explicit, "type": show.show_type, "link": show.link, "copyright": show.copyright,
        "funding": show.funding or [], "locked": show.locked, "complete": show.complete, "private": show.private,
        "slug": show.slug, "enclosure_variant": show.enclosure_variant, "guid": show.guid,
        "feed_url": feed_url, "warnings": warnings,
        "created_at": iso(show.created_at), "updated_at": iso(show.updated_at),
    }


def episode_out(ep, transcripts: list[dict]) -> dict:
    return {
        "track_id": ep.track_id, "title": ep.title, "description": ep.description, "pub_date": iso(ep.pub_date),
        "episode_number": ep.episode_number, "season_number": ep.season_number, "episode_type": ep.episode_type,
        "explicit": ep.explicit, "guid": ep.guid, "link": ep.link, "has_chapters": ep.chapters is not None,
        "soundbites": ep.soundbites or [], "persons": ep.persons or [], "transcripts": transcripts,
        "updated_at": iso(ep.updated_at),
    }


def subscriber_out(sub, *, feed_url: str | None = None) -> dict:
    out = {
        "id": sub.id, "collection_id": sub.collection_id, "title": sub.title, "email": sub.email,
        "external_id": sub.external_id, "expires_at": iso(sub.expires_at), "revoked_at": iso(sub.revoked_at),
        "created_at": iso(sub.created_at),
    }
    if feed_url is not None:
        out["feed_url"] = feed_url
    return out
