"""read model: a coaching session's rubric observations (the coaching facts `behavior_observed` behind the metric
family `observed_level:<behaviour key>`)

Sessions stored before carry none: their observations arrive with the session's next event.

Revision ID: met0016
Revises: met0015
Create Date: 2026-12-02 08:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'met0016'
down_revision: str | None = 'met0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('observations', json, server_default='[]', nullable=False))


def downgrade() -> None:
    # the figures the observations made go with them
    op.execute(sa.text("DELETE FROM coaching_facts WHERE type = 'behavior_observed'"))
    op.execute(sa.text("DELETE FROM metric_daily WHERE substr(metric_key, 1, 15) = 'observed_level:'"))
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.drop_column('observations')
