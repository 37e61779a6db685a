"""Actions and coach assignments carry a version (their events' entity_version), so their changes can be
published and applied in order by the metrics read model

Revision ID: coa0007
Revises: coa0006
Create Date: 2026-12-02 03:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'coa0007'
down_revision: str | None = 'coa0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # an action announced overdue was published twice already (created, overdue): it starts at 2
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.BigInteger(), server_default='1', nullable=False))
    op.execute("UPDATE actions SET version = 2 WHERE overdue_announced_on IS NOT NULL")
    with op.batch_alter_table('coach_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.BigInteger(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('coach_assignments', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('version')
