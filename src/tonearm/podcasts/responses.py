"""Response models of the podcast routes (documentation of `schemas.*_out`; see http/models.py)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from tonearm.catalog.responses import Collection, Track
from tonearm.http.models import OkEnvelope, Out, Page, Timestamp, Url


class Category(Out):
    category: str
    subcategory: str | None


class PodcastShow(Out):
    """Tonearm addition: a collection published as a podcast (RSS feed)."""

    collection_id: uuid.UUID
    title: str | None
    description: str | None
    author: str | None
    owner_name: str | None
    owner_email: str | None
    language: str
    categories: list[Category]
    explicit: bool
    type: str = Field(description="episodic or serial")
    link: str | None
    copyright: str | None
    funding: list[dict[str, Any]]
    locked: bool
    complete: bool
    private: bool
    slug: str | None
    enclosure_variant: str | None
    guid: uuid.UUID
    feed_url: Url
    warnings: list[str] = Field(description="What podcast directories would complain about (artwork…)")
    created_at: Timestamp
    updated_at: Timestamp


class Transcript(Out):
    language: str
    format: str


class PodcastEpisode(Out):
    """Tonearm addition: a track's podcast episode fields."""

    track_id: uuid.UUID
    title: str | None
    description: str | None
    pub_date: Timestamp | None
    episode_number: int | None
    season_number: int | None
    episode_type: str
    explicit: bool | None
    guid: str
    link: str | None
    has_chapters: bool
    soundbites: list[dict[str, Any]]
    persons: list[dict[str, Any]]
    transcripts: list[Transcript]
    updated_at: Timestamp


class EpisodeWithChapters(PodcastEpisode):
    chapters: dict[str, Any] | None


class CollectionWithPodcast(Collection):
    podcast: PodcastShow | None = Field(description="Tonearm addition, in PUT answers: null unless a podcast")


class TrackWithEpisode(Track):
    episode: PodcastEpisode | None = Field(description="Tonearm addition, in PUT answers: null unless set")


class CollectionUpdated(OkEnvelope):
    collection_id: uuid.UUID
    collection: CollectionWithPodcast


class TrackUpdated(OkEnvelope):
    track_id: uuid.UUID
    track: TrackWithEpisode


class ShowResponse(OkEnvelope):
    collection_id: uuid.UUID
    podcast: PodcastShow


class EpisodeResponse(OkEnvelope):
    track_id: uuid.UUID
    episode: EpisodeWithChapters


class EpisodeChanged(OkEnvelope):
    track_id: uuid.UUID
    episode: PodcastEpisode | None


class Subscriber(Out):
    id: uuid.UUID
    collection_id: uuid.UUID
    title: str | None
    email: str | None
    external_id: str | None
    expires_at: Timestamp | None
    revoked_at: Timestamp | None
    created_at: Timestamp
    feed_url: Url = Field(None, description="The private feed, in the answer that creates the subscriber only")


class SubscriberResponse(OkEnvelope):
    collection_id: uuid.UUID
    subscriber_id: uuid.UUID
    subscriber: Subscriber


class SubscriberList(Page):
    collection_id: uuid.UUID
    subscribers: list[Subscriber]


class SubscriberCreated(SubscriberResponse):
    feed_url: Url = Field(description="The subscriber's private feed (its token is shown only here)")
