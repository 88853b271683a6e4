"""gapless: per-track loudness block histogram for album loudness

Revision ID: 0003_t19_gapless
Revises: 0003_t14_hooks
"""
import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

revision = '0003_t19_gapless'
down_revision = '0003_t14_hooks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tracks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('loudness_blocks', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tracks', schema=None) as batch_op:
        batch_op.drop_column('loudness_blocks')
