"""t16 tus: resumable uploads (tus 1.0) with durable offsets

Revision ID: 0003_t16_tus
Revises: 0003_t18_analytics
"""
import sqlalchemy as sa
from alembic import op

import tonearm.db.base

revision = '0003_t16_tus'
down_revision = '0003_t18_analytics'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tus_uploads',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('track_id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('length', sa.BigInteger(), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('metadata', sa.String(length=4000), nullable=True),
    sa.Column('s3_upload_id', sa.String(length=1024), nullable=True),
    sa.Column('part_size', sa.BigInteger(), nullable=False),
    sa.Column('parts_done', sa.Integer(), nullable=False),
    sa.Column('busy_until', tonearm.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('busy_token', sa.String(length=32), nullable=True),
    sa.Column('expires_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tus_uploads')),
    sa.UniqueConstraint('track_id', name=op.f('uq_tus_uploads_track_id'))
    )
    with op.batch_alter_table('tus_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tus_uploads_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tus_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tus_uploads_expires_at'))
    op.drop_table('tus_uploads')
