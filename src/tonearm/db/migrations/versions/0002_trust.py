"""trust: upload progress, fault retries, plan version, webhook outbox, signing keys, deployment id

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import tonearm.db.base

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tracks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('upload_progress_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('fault_since', tonearm.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('fault_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('plan_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('track_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_track_id'), ['track_id'], unique=False)
    op.create_table('signing_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_encrypted', sa.String(length=400), nullable=False),
    sa.Column('collection_id', sa.Uuid(), nullable=True),
    sa.Column('max_age_seconds', sa.Integer(), nullable=False),
    sa.Column('revoked_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_signing_keys_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_keys'))
    )
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_keys_organization_id'), ['organization_id'], unique=False)
    op.create_table('deployment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', tonearm.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('storage_url', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployment'))
    )


def downgrade() -> None:
    op.drop_table('deployment')
    op.drop_table('signing_keys')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_track_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_next_attempt_at'))
        batch_op.drop_column('track_id')
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('last_attempt_at')
    with op.batch_alter_table('tracks', schema=None) as batch_op:
        batch_op.drop_column('plan_version')
        batch_op.drop_column('fault_count')
        batch_op.drop_column('fault_since')
        batch_op.drop_column('upload_progress_at')
