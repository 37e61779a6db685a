"""read model: gaps named in coaching sessions, open or closed with an outcome (gap evaluations, the gap summary
and the coaching queue's GAP_PERSISTS)

Revision ID: met0014
Revises: met0013
Create Date: 2026-12-02 08:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import common.db

revision: str = 'met0014'
down_revision: str | None = 'met0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('coaching_gaps',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('seller_id', sa.Uuid(), nullable=False),
    sa.Column('coach_id', sa.Uuid(), nullable=True),
    sa.Column('behavior_key', sa.String(length=64), nullable=False),
    sa.Column('root_cause', sa.String(length=16), nullable=False),
    sa.Column('opened_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('closed_session_id', sa.Uuid(), nullable=True),
    sa.Column('closed_at', common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coaching_gaps'))
    )
    with op.batch_alter_table('coaching_gaps', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_gaps_tenant_id_opened_at', ['tenant_id', 'opened_at'], unique=False)
        batch_op.create_index('ix_coaching_gaps_tenant_id_seller_id', ['tenant_id', 'seller_id', 'opened_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('coaching_gaps', schema=None) as batch_op:
        batch_op.drop_index('ix_coaching_gaps_tenant_id_seller_id')
        batch_op.drop_index('ix_coaching_gaps_tenant_id_opened_at')
    op.drop_table('coaching_gaps')
