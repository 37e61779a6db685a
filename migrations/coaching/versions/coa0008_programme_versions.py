"""Programmes carry a version (their events' entity_version), so their changes (cadence, period, behaviours)
reach the metrics read model in order

Revision ID: coa0008
Revises: coa0007
Create Date: 2026-12-02 05:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'coa0008'
down_revision: str | None = 'coa0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.BigInteger(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('version')
