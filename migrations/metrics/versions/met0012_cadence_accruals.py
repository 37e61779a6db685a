"""cadence kept: the day through which each tenant's expected programme sessions are accrued, and sessions
found by programme (a programme's or a pair's change refreshes its sessions' facts)

Expected sessions are facts in `coaching_facts` (no new columns there); the metrics service's daily job
finds no row for a tenant on its first run and accrues every pair from its first day then.

Revision ID: met0012
Revises: met0011
Create Date: 2026-12-02 05:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import common.db

revision: str = 'met0012'
down_revision: str | None = 'met0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cadence_accruals',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('through', sa.Date(), nullable=False),
    sa.Column('updated_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_cadence_accruals'))
    )
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_sessions_tenant_id_programme_id', ['tenant_id', 'programme_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_coaching_sessions_tenant_id_programme_id')
    op.drop_table('cadence_accruals')
