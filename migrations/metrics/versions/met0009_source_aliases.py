"""source aliases: which external-id source a CRM/LMS source resolves against, per tenant

Revision ID: met0009
Revises: met0008
Create Date: 2026-12-02 02:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import common.db

revision: str = 'met0009'
down_revision: str | None = 'met0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('source_aliases',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=32), nullable=False),
    sa.Column('updated_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'source', name=op.f('pk_source_aliases'))
    )


def downgrade() -> None:
    op.drop_table('source_aliases')
