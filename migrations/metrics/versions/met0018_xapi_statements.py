"""xAPI statements stored whole, with the agents and activities they name (the Statements resource's filters)
and the attachments sent with them

Revision ID: met0018
Revises: met0017
Create Date: 2026-12-02 08:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import common.db

revision: str = 'met0018'
down_revision: str | None = 'met0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('xapi_statements',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('stored', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('verb_key', sa.String(length=64), nullable=False),
    sa.Column('registration', sa.Uuid(), nullable=True),
    sa.Column('ref_id', sa.Uuid(), nullable=True),
    sa.Column('voiding', sa.Boolean(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('statement', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_xapi_statements'))
    )
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_statements_tenant_id_stored', ['tenant_id', 'stored', 'id'], unique=False)
        batch_op.create_index('ix_xapi_statements_tenant_id_verb_key', ['tenant_id', 'verb_key', 'stored'],
                              unique=False)
        batch_op.create_index('ix_xapi_statements_tenant_id_registration', ['tenant_id', 'registration', 'stored'],
                              unique=False)
        batch_op.create_index('ix_xapi_statements_tenant_id_ref_id', ['tenant_id', 'ref_id'], unique=False)

    op.create_table('xapi_statement_agents',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('statement_id', sa.Uuid(), nullable=False),
    sa.Column('ifi_key', sa.String(length=64), nullable=False),
    sa.Column('related', sa.Boolean(), nullable=False),
    sa.Column('stored', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'statement_id', 'ifi_key', 'related', name=op.f('pk_xapi_statement_agents'))
    )
    with op.batch_alter_table('xapi_statement_agents', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_statement_agents_tenant_id_ifi_key', ['tenant_id', 'ifi_key', 'stored'],
                              unique=False)

    op.create_table('xapi_attachments',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('sha2', sa.String(length=128), nullable=False),
    sa.Column('content_type', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'sha2', name=op.f('pk_xapi_attachments'))
    )

    op.create_table('xapi_statement_activities',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('statement_id', sa.Uuid(), nullable=False),
    sa.Column('activity_key', sa.String(length=64), nullable=False),
    sa.Column('related', sa.Boolean(), nullable=False),
    sa.Column('stored', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'statement_id', 'activity_key', 'related',
                            name=op.f('pk_xapi_statement_activities'))
    )
    with op.batch_alter_table('xapi_statement_activities', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_statement_activities_tenant_id_activity_key',
                              ['tenant_id', 'activity_key', 'stored'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('xapi_statement_activities', schema=None) as batch_op:
        batch_op.drop_index('ix_xapi_statement_activities_tenant_id_activity_key')
    op.drop_table('xapi_statement_activities')
    op.drop_table('xapi_attachments')
    with op.batch_alter_table('xapi_statement_agents', schema=None) as batch_op:
        batch_op.drop_index('ix_xapi_statement_agents_tenant_id_ifi_key')
    op.drop_table('xapi_statement_agents')
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.drop_index('ix_xapi_statements_tenant_id_ref_id')
        batch_op.drop_index('ix_xapi_statements_tenant_id_registration')
        batch_op.drop_index('ix_xapi_statements_tenant_id_verb_key')
        batch_op.drop_index('ix_xapi_statements_tenant_id_stored')
    op.drop_table('xapi_statements')
