"""read model: coaching actions, agreed goals and coach assignments, mirrored from the coaching service's
events; a session's focus; coaching facts (coaching evidence as metrics count it)

Revision ID: met0010
Revises: met0009
Create Date: 2026-12-02 03:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import common.db

revision: str = 'met0010'
down_revision: str | None = 'met0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tail() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column('deleted', sa.Boolean(), nullable=False),
            sa.Column('version', sa.BigInteger(), nullable=False),
            sa.Column('updated_at', common.db.UTCDateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('focus_keys', json, server_default='[]', nullable=False))

    op.create_table('coaching_facts',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=48), nullable=False),
    sa.Column('at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attributes', json, nullable=False),
    sa.Column('amount', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coaching_facts'))
    )
    with op.batch_alter_table('coaching_facts', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_facts_tenant_id_entity_id', ['tenant_id', 'entity_id'], unique=False)
        batch_op.create_index('ix_coaching_facts_tenant_id_person_id', ['tenant_id', 'person_id', 'at'], unique=False)

    op.create_table('coaching_actions',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('coach_id', sa.Uuid(), nullable=False),
    sa.Column('seller_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', common.db.UTCDateTime(timezone=True), nullable=True),
    *_tail(),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coaching_actions'))
    )
    with op.batch_alter_table('coaching_actions', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_actions_tenant_id_coach_id', ['tenant_id', 'coach_id', 'due_on'], unique=False)
        batch_op.create_index('ix_coaching_actions_tenant_id_seller_id', ['tenant_id', 'seller_id', 'due_on'], unique=False)

    op.create_table('coaching_goals',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('coach_id', sa.Uuid(), nullable=False),
    sa.Column('seller_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.Column('metric_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('agreed_at', common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_agreed_at', common.db.UTCDateTime(timezone=True), nullable=False),
    *_tail(),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coaching_goals'))
    )
    with op.batch_alter_table('coaching_goals', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_goals_tenant_id_coach_id', ['tenant_id', 'coach_id'], unique=False)
        batch_op.create_index('ix_coaching_goals_tenant_id_seller_id', ['tenant_id', 'seller_id'], unique=False)

    op.create_table('coach_assignments',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('coach_id', sa.Uuid(), nullable=False),
    sa.Column('seller_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('scope', json, nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    *_tail(),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coach_assignments'))
    )
    with op.batch_alter_table('coach_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_coach_assignments_tenant_id_coach_id', ['tenant_id', 'coach_id'], unique=False)
        batch_op.create_index('ix_coach_assignments_tenant_id_seller_id', ['tenant_id', 'seller_id'], unique=False)

    _backfill()


def _backfill() -> None:
    """Sessions stored before this revision become coaching facts and count in the coaching metrics, with the
    same code the read model uses (the catalogue as it stands when this runs, plus each tenant's definitions).
    Actions and goals start empty here: their events fill them."""
    from services.metrics.aggregates import Tally
    from services.metrics.catalogue import Metrics
    from services.metrics.coaching_facts import session_facts
    from services.metrics.definitions import to_metric
    from services.metrics.models import CoachingFact, CoachingSession, MetricDaily, MetricDefinition

    bind = op.get_bind()
    defined: dict[object, list] = {}  # type: ignore[type-arg]
    for row in bind.execute(sa.select(MetricDefinition.__table__)).mappings():
        defined.setdefault(row["tenant_id"], []).append(to_metric(MetricDefinition(**row)))
    stored = CoachingSession.__table__.c
    columns = ('tenant_id', 'id', 'coach_id', 'seller_id', 'programme_id', 'status', 'scheduled_at', 'held_at',
               'relevant', 'developmental', 'motivational', 'has_agreed_action', 'deleted')
    tallies: dict[object, Tally] = {}
    facts: list[dict[str, object]] = []
    for row in bind.execute(sa.select(*(stored[name] for name in columns))).mappings():
        tenant = row["tenant_id"]
        if tenant not in tallies:
            tallies[tenant] = Tally.of(Metrics.of(defined.get(tenant, [])), "coaching")
        for fact in session_facts({**row, "focus_keys": []}):
            facts.append({**fact, "tenant_id": tenant})
            tallies[tenant].add(fact["person_id"], fact["at"], fact["type"], fact["attributes"], fact["amount"])
    if facts:
        op.bulk_insert(CoachingFact.__table__, facts)
    values = [{"tenant_id": tenant, "person_id": p, "metric_key": k, "day": d, "num": n, "den": e}
              for tenant, tally in tallies.items() for p, k, d, n, e in tally.rows()]
    if values:
        # the coaching metrics are new keys: no row of theirs exists yet
        op.bulk_insert(MetricDaily.__table__, values)


def downgrade() -> None:
    from services.metrics.catalogue import CATALOGUE

    coaching = [m.key for m in CATALOGUE.values() if m.source == "coaching"]
    op.execute(sa.table('metric_daily', sa.column('metric_key')).delete()
               .where(sa.column('metric_key').in_(coaching)))
    for table in ('coach_assignments', 'coaching_goals', 'coaching_actions', 'coaching_facts'):
        op.drop_table(table)
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.drop_column('focus_keys')
