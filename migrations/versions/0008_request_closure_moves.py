"""Agency request events record the due date moves a closure day makes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 20:45:00

A closure day added or removed within an open request's time moves the date the agency was
asked for. Each move is an event of the request (`closure_added`, `closure_removed`) with the
date it set (`due_on`), the closure day (`closure_on`) and its name (`note`), so the request's
history says why its due date changed, and a closure day removed again puts the date back
exactly where it was.

Downgrading deletes these events: the kinds before it do not allow them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('sent', 'chased', 'extended', 'cancelled', 'submitted', 'returned')"
NEW_KINDS = (
    "kind IN ('sent', 'chased', 'extended', 'cancelled', 'submitted', 'returned', "
    "'closure_added', 'closure_removed')"
)
CLOSURE_KIND = "(kind IN ('closure_added', 'closure_removed'))"
CLOSURE_ON = (
    f"({CLOSURE_KIND} AND closure_on IS NOT NULL AND due_on IS NOT NULL)"
    f" OR (NOT {CLOSURE_KIND} AND closure_on IS NULL)"
)


def upgrade():
    with op.batch_alter_table('agency_request_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closure_on', sa.Date(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_agency_request_events_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_agency_request_events_kind'), NEW_KINDS)
        batch_op.create_check_constraint(
            batch_op.f('ck_agency_request_events_closure_on'), CLOSURE_ON
        )


def downgrade():
    op.execute(
        "DELETE FROM agency_request_events WHERE kind IN ('closure_added', 'closure_removed')"
    )
    with op.batch_alter_table('agency_request_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_agency_request_events_closure_on'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_agency_request_events_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_agency_request_events_kind'), OLD_KINDS)
        batch_op.drop_column('closure_on')
