"""Clocks carry their case's partnership, so a partnership's due clocks are read through an index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 16:10:00

The home page asks "which of this partnership's clocks have reached a rung?". Through `cases`
both databases scanned every case of the partnership; with the partnership on the clock the
question is one range of `ix_clocks_partnership_id_alert_from_on`. Existing clocks take their
case's partnership.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partnership_id', sa.Integer(), nullable=True))
    op.execute(
        'UPDATE clocks SET partnership_id = '
        '(SELECT cases.partnership_id FROM cases WHERE cases.id = clocks.case_id)'
    )
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.alter_column('partnership_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_clocks_partnership_id_partnerships'), 'partnerships', ['partnership_id'], ['id']
        )
        batch_op.create_index(
            'ix_clocks_partnership_id_alert_from_on', ['partnership_id', 'alert_from_on'], unique=False
        )


def downgrade():
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_clocks_partnership_id_alert_from_on')
        batch_op.drop_constraint(batch_op.f('fk_clocks_partnership_id_partnerships'), type_='foreignkey')
        batch_op.drop_column('partnership_id')
