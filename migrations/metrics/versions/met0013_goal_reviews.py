"""read model: reviews of agreed goal revisions (a goal is due for review until its revision in force has one;
the coaching queue's REVIEW_DUE)

Revision ID: met0013
Revises: met0012
Create Date: 2026-12-02 06:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import common.db

revision: str = 'met0013'
down_revision: str | None = 'met0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('coaching_goal_reviews',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('goal_id', sa.Uuid(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reviewed_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coaching_goal_reviews'))
    )
    with op.batch_alter_table('coaching_goal_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_goal_reviews_tenant_id_goal_id', ['tenant_id', 'goal_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('coaching_goal_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_coaching_goal_reviews_tenant_id_goal_id')
    op.drop_table('coaching_goal_reviews')
