"""the metrics service's own outbox (it announces indicators going off track and back), and the indicator alerts
announced per person, indicator and period

Revision ID: met0015
Revises: met0014
Create Date: 2026-12-02 08:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'met0015'
down_revision: str | None = 'met0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('entity_id', sa.String(length=200), nullable=False),
    sa.Column('entity_version', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_unpublished', ['id'], unique=False,
                              postgresql_where=sa.text('published_at IS NULL'),
                              sqlite_where=sa.text('published_at IS NULL'))
    op.create_table('indicator_alerts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('indicator_id', sa.Uuid(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('off_track_on', sa.Date(), nullable=False),
    sa.Column('back_on_track_on', sa.Date(), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_alerts'))
    )
    with op.batch_alter_table('indicator_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_indicator_alerts_tenant_id_person_id', ['tenant_id', 'person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('indicator_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_indicator_alerts_tenant_id_person_id')
    op.drop_table('indicator_alerts')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished', postgresql_where=sa.text('published_at IS NULL'),
                            sqlite_where=sa.text('published_at IS NULL'))
    op.drop_table('outbox')
