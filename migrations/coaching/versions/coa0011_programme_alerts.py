"""The fizzling state last announced per programme and pair (programme.fizzling / programme.recovered)

Revision ID: coa0011
Revises: coa0010
Create Date: 2026-12-02 08:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'coa0011'
down_revision: str | None = 'coa0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('programme_alerts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('programme_id', sa.Uuid(), nullable=False),
    sa.Column('pair_id', sa.Uuid(), nullable=True),
    sa.Column('fizzling', sa.Boolean(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_alerts')),
    )
    with op.batch_alter_table('programme_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_programme_alerts_tenant_id_programme_id', ['tenant_id', 'programme_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('programme_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_programme_alerts_tenant_id_programme_id')
    op.drop_table('programme_alerts')
