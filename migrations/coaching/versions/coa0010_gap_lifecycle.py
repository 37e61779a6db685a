"""Gaps have a lifecycle: open until closed in a later session with an outcome (resolved, persists, no longer
relevant), by whom and when; their version is their events' entity_version (1 opened, 2 closed)

Revision ID: coa0010
Revises: coa0009
Create Date: 2026-12-02 08:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import common.db

revision: str = 'coa0010'
down_revision: str | None = 'coa0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('gaps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=8), server_default='open', nullable=False))
        batch_op.add_column(sa.Column('outcome', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('closed_session_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closing_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('version', sa.BigInteger(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('gaps', schema=None) as batch_op:
        for column in ('version', 'closing_note', 'closed_at', 'closed_by', 'closed_session_id', 'outcome', 'status'):
            batch_op.drop_column(column)
