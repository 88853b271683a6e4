"""t18 analytics: raw listening events, hourly rollups, daily salts

Revision ID: 0003_t18_analytics
Revises: 0003_t17_podcasts
Create Date: 2026-12-03 09:06:03.293968
"""
from alembic import op
import sqlalchemy as sa
import tonearm.db.base
from sqlalchemy.dialects import postgresql

revision = '0003_t18_analytics'
down_revision = '0003_t17_podcasts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('analytics_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ts', sa.BigInteger(), nullable=False),
    sa.Column('variant', sa.String(length=64), nullable=False),
    sa.Column('feed_token', sa.String(length=32), nullable=True),
    sa.Column('network_key', sa.String(length=32), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=False),
    sa.Column('probe', sa.Boolean(), nullable=False),
    sa.Column('range_start', sa.BigInteger(), nullable=False),
    sa.Column('bytes_sent', sa.BigInteger(), nullable=False),
    sa.Column('object_size', sa.BigInteger(), nullable=False),
    sa.Column('audio_offset', sa.BigInteger(), nullable=False),
    sa.Column('bytes_per_second', sa.Integer(), nullable=False),
    sa.Column('is_watch', sa.Boolean(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('collection_id', sa.Uuid(), nullable=False),
    sa.Column('creator_id', sa.Uuid(), nullable=True),
    sa.Column('track_id', sa.Uuid(), nullable=False),
    sa.Column('play_session_id', sa.Uuid(), nullable=True),
    sa.Column('listener_key', sa.String(length=32), nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('device', sa.String(length=16), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('is_bot', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_deliveries'))
    )
    with op.batch_alter_table('analytics_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_deliveries_ts', ['ts'], unique=False)

    op.create_table('analytics_hourly',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('hour', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('creator_id', sa.Uuid(), nullable=True),
    sa.Column('collection_id', sa.Uuid(), nullable=False),
    sa.Column('track_id', sa.Uuid(), nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('device', sa.String(length=16), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('plays', sa.Integer(), nullable=False),
    sa.Column('listeners', sa.Integer(), nullable=False),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.Column('listened_seconds', sa.Float(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.Column('startup_p50_ms', sa.Integer(), nullable=True),
    sa.Column('startup_p95_ms', sa.Integer(), nullable=True),
    sa.Column('startup_hist', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_hourly'))
    )
    with op.batch_alter_table('analytics_hourly', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_hourly_org_hour', ['organization_id', 'hour'], unique=False)
        batch_op.create_index('uq_analytics_hourly_key', ['hour', 'track_id', 'app', 'device', 'country'], unique=True)

    op.create_table('analytics_hours',
    sa.Column('hour', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rolled_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hour', name=op.f('pk_analytics_hours'))
    )
    op.create_table('analytics_player_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ts', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('startup_ms', sa.Integer(), nullable=True),
    sa.Column('listened_seconds', sa.Float(), nullable=False),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('collection_id', sa.Uuid(), nullable=False),
    sa.Column('creator_id', sa.Uuid(), nullable=True),
    sa.Column('track_id', sa.Uuid(), nullable=False),
    sa.Column('play_session_id', sa.Uuid(), nullable=True),
    sa.Column('listener_key', sa.String(length=32), nullable=False),
    sa.Column('app', sa.String(length=64), nullable=False),
    sa.Column('device', sa.String(length=16), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('is_bot', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_player_events'))
    )
    with op.batch_alter_table('analytics_player_events', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_player_events_ts', ['ts'], unique=False)

    op.create_table('analytics_salts',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('created_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_analytics_salts'))
    )
    


def downgrade() -> None:
    
    op.drop_table('analytics_salts')
    with op.batch_alter_table('analytics_player_events', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_player_events_ts')

    op.drop_table('analytics_player_events')
    op.drop_table('analytics_hours')
    with op.batch_alter_table('analytics_hourly', schema=None) as batch_op:
        batch_op.drop_index('uq_analytics_hourly_key')
        batch_op.drop_index('ix_analytics_hourly_org_hour')

    op.drop_table('analytics_hourly')
    with op.batch_alter_table('analytics_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_deliveries_ts')

    op.drop_table('analytics_deliveries')
    
