"""read model: coaching programmes (cadence, period, behaviours) and the coach of each programme pair; a
behaviour's priority; whether a person's manager coaches them — what the coaching queue needs

Rows written before this revision take the defaults (priority 3, the manager coaches, no coach on a pair)
until their entity's next event; programmes appear with their next change (they were not published before).

Revision ID: met0011
Revises: met0010
Create Date: 2026-12-02 05:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import common.db

revision: str = 'met0011'
down_revision: str | None = 'met0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.create_table('coaching_programmes',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('behavior_keys', json, nullable=False),
    sa.Column('cadence_days', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coaching_programmes'))
    )
    with op.batch_alter_table('programme_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coach_id', sa.Uuid(), nullable=True))
    with op.batch_alter_table('behaviors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='3', nullable=False))
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manager_is_coach', sa.Boolean(), server_default=sa.text('true'),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('manager_is_coach')
    with op.batch_alter_table('behaviors', schema=None) as batch_op:
        batch_op.drop_column('priority')
    with op.batch_alter_table('programme_participants', schema=None) as batch_op:
        batch_op.drop_column('coach_id')
    op.drop_table('coaching_programmes')
