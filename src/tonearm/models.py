"""Every stage's tables in one metadata, for Alembic (db/migrations/env.py) and create_all in tests."""

from tonearm.auth.models import ApiKey, SigningKey  # noqa: F401
from tonearm.catalog.models import (  # noqa: F401
    Collection,
    Creator,
    Organization,
    Playlist,
    PlaylistTrack,
    Track,
    TrackFile,
    Variant,
)
from tonearm.db.base import Base
from tonearm.db.deployment import Deployment  # noqa: F401
from tonearm.playback.models import PlaySession  # noqa: F401
from tonearm.podcasts.models import Episode, Show, Subscriber, Transcript  # noqa: F401
from tonearm.uploads.models import UploadSession  # noqa: F401
from tonearm.webhooks.models import WebhookDelivery  # noqa: F401

metadata = Base.metadata
