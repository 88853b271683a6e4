"""t14 hooks: required or optional variants (two-phase readiness)

Revision ID: 0003_t14_hooks
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_t14_hooks'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('variants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_required', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('variants', schema=None) as batch_op:
        batch_op.drop_column('is_required')
