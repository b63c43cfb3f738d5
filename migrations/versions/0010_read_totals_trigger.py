"""The running totals of reads are kept by a trigger on `case_reads`, not by the application.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 01:30:00

Until now every read of a case's detail was two statements from the application: the row in
`case_reads` and an upsert of the reader's total in `case_read_totals` (migration 0006). The
case page runs on every view, and that second round trip was a measurable part of it. The
trigger below does the upsert in the database, for every insert into `case_reads` whoever
makes it, in the same transaction, so the totals cannot drift from the rows: one more read,
and the later of the two times (of two reads at once, the earlier may commit second).

Deploy with the application stopped, or with this version of it: the previous version also
upserts the totals itself, and while both ran every read would count twice.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

POSTGRESQL = [
    """
    CREATE FUNCTION add_read_to_totals() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO case_read_totals (case_id, user_id, reads, last_read_at)
        VALUES (NEW.case_id, NEW.user_id, 1, NEW.read_at)
        ON CONFLICT (case_id, user_id) DO UPDATE SET
            reads = case_read_totals.reads + 1,
            last_read_at = GREATEST(case_read_totals.last_read_at, EXCLUDED.last_read_at);
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER case_reads_totalled AFTER INSERT ON case_reads FOR EACH ROW"
    " EXECUTE FUNCTION add_read_to_totals()",
]
SQLITE = [
    # Times are stored as ISO text of one width, so the larger text is the later time.
    """
    CREATE TRIGGER case_reads_totalled AFTER INSERT ON case_reads BEGIN
        INSERT INTO case_read_totals (case_id, user_id, reads, last_read_at)
        VALUES (NEW.case_id, NEW.user_id, 1, NEW.read_at)
        ON CONFLICT (case_id, user_id) DO UPDATE SET
            reads = reads + 1,
            last_read_at = max(last_read_at, excluded.last_read_at);
    END
    """,
]


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER case_reads_totalled ON case_reads')
        op.execute('DROP FUNCTION add_read_to_totals()')
    else:
        op.execute('DROP TRIGGER case_reads_totalled')
