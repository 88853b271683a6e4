"""t17 podcasts: shows, episodes, transcripts and private-feed subscribers

Revision ID: 0003_t17_podcasts
Revises: 0003_t19_gapless
Create Date: 2026-12-03 08:19:06.423981
"""
from alembic import op
import sqlalchemy as sa
import tonearm.db.base
from sqlalchemy.dialects import postgresql

revision = '0003_t17_podcasts'
down_revision = '0003_t19_gapless'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('podcast_shows',
    sa.Column('collection_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('author', sa.String(length=500), nullable=True),
    sa.Column('owner_name', sa.String(length=500), nullable=True),
    sa.Column('owner_email', sa.String(length=320), nullable=True),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('categories', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('explicit', sa.Boolean(), nullable=False),
    sa.Column('show_type', sa.String(length=16), nullable=False),
    sa.Column('link', sa.Text(), nullable=True),
    sa.Column('copyright', sa.String(length=500), nullable=True),
    sa.Column('funding', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('enclosure_variant', sa.String(length=64), nullable=True),
    sa.Column('guid', sa.Uuid(), nullable=False),
    sa.Column('created_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['collections.id'], name=op.f('fk_podcast_shows_collection_id_collections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_podcast_shows_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('collection_id', name=op.f('pk_podcast_shows')),
    sa.UniqueConstraint('slug', name=op.f('uq_podcast_shows_slug'))
    )
    with op.batch_alter_table('podcast_shows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_podcast_shows_organization_id'), ['organization_id'], unique=False)

    op.create_table('podcast_subscribers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('collection_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('expires_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['collections.id'], name=op.f('fk_podcast_subscribers_collection_id_collections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_podcast_subscribers')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_podcast_subscribers_token_hash'))
    )
    with op.batch_alter_table('podcast_subscribers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_podcast_subscribers_collection_id'), ['collection_id'], unique=False)

    op.create_table('podcast_episodes',
    sa.Column('track_id', sa.Uuid(), nullable=False),
    sa.Column('collection_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('pub_date', tonearm.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('episode_number', sa.Integer(), nullable=True),
    sa.Column('season_number', sa.Integer(), nullable=True),
    sa.Column('episode_type', sa.String(length=16), nullable=False),
    sa.Column('explicit', sa.Boolean(), nullable=True),
    sa.Column('guid', sa.String(length=500), nullable=False),
    sa.Column('link', sa.Text(), nullable=True),
    sa.Column('chapters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('has_chapters', sa.Boolean(), nullable=False),
    sa.Column('soundbites', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('persons', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['collections.id'], name=op.f('fk_podcast_episodes_collection_id_collections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_podcast_episodes_track_id_tracks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('track_id', name=op.f('pk_podcast_episodes'))
    )
    with op.batch_alter_table('podcast_episodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_podcast_episodes_collection_id'), ['collection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_podcast_episodes_pub_date'), ['pub_date'], unique=False)

    op.create_table('podcast_transcripts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('track_id', sa.Uuid(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_podcast_transcripts_track_id_tracks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_podcast_transcripts')),
    sa.UniqueConstraint('track_id', 'language', name='uq_podcast_transcripts_track_language')
    )
    with op.batch_alter_table('podcast_transcripts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_podcast_transcripts_track_id'), ['track_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('podcast_transcripts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_podcast_transcripts_track_id'))

    op.drop_table('podcast_transcripts')
    with op.batch_alter_table('podcast_episodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_podcast_episodes_pub_date'))
        batch_op.drop_index(batch_op.f('ix_podcast_episodes_collection_id'))

    op.drop_table('podcast_episodes')
    with op.batch_alter_table('podcast_subscribers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_podcast_subscribers_collection_id'))

    op.drop_table('podcast_subscribers')
    with op.batch_alter_table('podcast_shows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_podcast_shows_organization_id'))

    op.drop_table('podcast_shows')
    
