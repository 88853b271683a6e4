"""Import every stage's models so metadata (Alembic, create_all) sees all tables."""

from tonearm.auth.models import ApiKey  # noqa: F401
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
from tonearm.playback.models import PlaySession  # noqa: F401
from tonearm.uploads.models import UploadSession  # noqa: F401
from tonearm.webhooks.models import WebhookDelivery  # noqa: F401
from tonearm.db.base import Base

metadata = Base.metadata
