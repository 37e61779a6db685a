"""Goal reviews (achieved / missed / carried over, one per agreed revision), each goal's agreed revision (the
terms in force), and the day a revision's goal.review_due was announced

Revision ID: coa0009
Revises: coa0008
Create Date: 2026-12-02 05:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'coa0009'
down_revision: str | None = 'coa0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('goal_reviews',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('goal_id', sa.Uuid(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('carried_into', sa.Integer(), nullable=True),
    sa.Column('reviewed_by', sa.Uuid(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_goal_reviews_goal_id_goals'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_reviews')),
    sa.UniqueConstraint('goal_id', 'revision', name=op.f('uq_goal_reviews_goal_id_revision')),
    )
    with op.batch_alter_table('goal_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_reviews_tenant_id'), ['tenant_id'], unique=False)
    with op.batch_alter_table('goal_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_due_announced_on', sa.Date(), nullable=True))
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreed_revision', sa.Integer(), nullable=True))
    # the terms in force of goals agreed before: their latest revision both sides agreed to
    op.execute("UPDATE goals SET agreed_revision = (SELECT max(r.revision) FROM goal_revisions r "
               "WHERE r.goal_id = goals.id AND r.seller_agreed_at IS NOT NULL AND r.coach_agreed_at IS NOT NULL)")


def downgrade() -> None:
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_column('agreed_revision')
    with op.batch_alter_table('goal_revisions', schema=None) as batch_op:
        batch_op.drop_column('review_due_announced_on')
    with op.batch_alter_table('goal_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_reviews_tenant_id'))
    op.drop_table('goal_reviews')
