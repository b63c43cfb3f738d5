"""Each person's reads of a case are also kept as a running total, for the case page's summary.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 20:11:05

The case page shows who has read the case, how many times and when last. Counting
`case_reads` for that grew with every view of the case (each view adds a row), so a case read
a few thousand times took milliseconds more to show. `case_read_totals` holds one row per case
and reader, updated with every read; `case_reads` keeps every read, as before. Existing reads
are totalled here.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_read_totals',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reads', sa.Integer(), nullable=False),
    sa.Column('last_read_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_read_totals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_read_totals_user_id_users')),
    sa.PrimaryKeyConstraint('case_id', 'user_id', name=op.f('pk_case_read_totals'))
    )
    op.execute(
        'INSERT INTO case_read_totals (case_id, user_id, reads, last_read_at) '
        'SELECT case_id, user_id, count(*), max(read_at) FROM case_reads GROUP BY case_id, user_id'
    )


def downgrade():
    op.drop_table('case_read_totals')
