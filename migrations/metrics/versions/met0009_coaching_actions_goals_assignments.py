"""read model: coaching actions, agreed goals and coach assignments, mirrored from the coaching service's events

Revision ID: met0009
Revises: met0008
Create Date: 2026-12-02 03:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import common.db

revision: str = 'met0009'
down_revision: str | None = 'met0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tail() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column('deleted', sa.Boolean(), nullable=False),
            sa.Column('version', sa.BigInteger(), nullable=False),
            sa.Column('updated_at', common.db.UTCDateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table('coaching_actions',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('coach_id', sa.Uuid(), nullable=False),
    sa.Column('seller_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', common.db.UTCDateTime(timezone=True), nullable=True),
    *_tail(),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coaching_actions'))
    )
    with op.batch_alter_table('coaching_actions', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_actions_tenant_id_coach_id', ['tenant_id', 'coach_id', 'due_on'], unique=False)
        batch_op.create_index('ix_coaching_actions_tenant_id_seller_id', ['tenant_id', 'seller_id', 'due_on'], unique=False)

    op.create_table('coaching_goals',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('coach_id', sa.Uuid(), nullable=False),
    sa.Column('seller_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.Column('metric_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('agreed_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_agreed_at', common.db.UTCDateTime(timezone=True), nullable=False),
    *_tail(),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coaching_goals'))
    )
    with op.batch_alter_table('coaching_goals', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_goals_tenant_id_coach_id', ['tenant_id', 'coach_id'], unique=False)
        batch_op.create_index('ix_coaching_goals_tenant_id_seller_id', ['tenant_id', 'seller_id'], unique=False)

    op.create_table('coach_assignments',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('coach_id', sa.Uuid(), nullable=False),
    sa.Column('seller_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('scope', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    *_tail(),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coach_assignments'))
    )
    with op.batch_alter_table('coach_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_coach_assignments_tenant_id_coach_id', ['tenant_id', 'coach_id'], unique=False)
        batch_op.create_index('ix_coach_assignments_tenant_id_seller_id', ['tenant_id', 'seller_id'], unique=False)


def downgrade() -> None:
    for table in ('coach_assignments', 'coaching_goals', 'coaching_actions'):
        op.drop_table(table)
