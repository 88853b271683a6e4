"""Changes of catalog objects that other stages record (Runtime.emit): the Collection Sync events."""

from __future__ import annotations

from enum import StrEnum


class CollectionEvent(StrEnum):
    CREATED = "collection.created"
    UPDATED = "collection.updated"
    DELETED = "collection.deleted"
