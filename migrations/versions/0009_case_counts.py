"""Each partnership's number of cases, kept by triggers on `cases`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 23:40:00

The case list shows how many cases there are on every page ("Showing 1 to 25 of 20,000
cases"). Counting them was nearly all of the list's time in the database (about 0.6 ms a page
at 20,000 cases, growing with them). `case_counts` holds one number per partnership, and the
triggers below keep it: one more for each case inserted, one fewer for each deleted, whoever
writes (the services, a bulk load, a hand-run statement), in the same transaction, so it
cannot drift from `count(*)`. PostgreSQL counts each statement's rows once (a statement-level
trigger with transition tables, and TRUNCATE forgets them all); SQLite has only row-level
triggers. Existing cases are counted here, with cases locked on PostgreSQL meanwhile.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

POSTGRESQL = [
    """
    CREATE FUNCTION count_cases() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO case_counts (partnership_id, cases)
            SELECT partnership_id, count(*) FROM new_cases GROUP BY partnership_id
            ON CONFLICT (partnership_id) DO UPDATE SET cases = case_counts.cases + EXCLUDED.cases;
        ELSE
            UPDATE case_counts SET cases = case_counts.cases - gone.n
            FROM (SELECT partnership_id, count(*) AS n FROM old_cases GROUP BY partnership_id) gone
            WHERE case_counts.partnership_id = gone.partnership_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER cases_counted_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS new_cases"
    " FOR EACH STATEMENT EXECUTE FUNCTION count_cases()",
    "CREATE TRIGGER cases_counted_delete AFTER DELETE ON cases REFERENCING OLD TABLE AS old_cases"
    " FOR EACH STATEMENT EXECUTE FUNCTION count_cases()",
    # TRUNCATE fires no DELETE trigger, and reaches no table that cases do not refer to.
    """
    CREATE FUNCTION forget_case_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM case_counts;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER cases_counted_truncate AFTER TRUNCATE ON cases"
    " FOR EACH STATEMENT EXECUTE FUNCTION forget_case_counts()",
    # A case never changes partnership; if one ever did, both numbers would follow. Only then:
    # every event updates its case, and this must cost those updates nothing.
    """
    CREATE FUNCTION move_case_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE case_counts SET cases = cases - 1 WHERE partnership_id = OLD.partnership_id;
        INSERT INTO case_counts (partnership_id, cases) VALUES (NEW.partnership_id, 1)
        ON CONFLICT (partnership_id) DO UPDATE SET cases = case_counts.cases + 1;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER cases_counted_update AFTER UPDATE OF partnership_id ON cases FOR EACH ROW"
    " WHEN (OLD.partnership_id IS DISTINCT FROM NEW.partnership_id)"
    " EXECUTE FUNCTION move_case_count()",
]
SQLITE = [
    """
    CREATE TRIGGER cases_counted_insert AFTER INSERT ON cases BEGIN
        INSERT INTO case_counts (partnership_id, cases) VALUES (NEW.partnership_id, 1)
        ON CONFLICT (partnership_id) DO UPDATE SET cases = cases + 1;
    END
    """,
    """
    CREATE TRIGGER cases_counted_delete AFTER DELETE ON cases BEGIN
        UPDATE case_counts SET cases = cases - 1 WHERE partnership_id = OLD.partnership_id;
    END
    """,
    """
    CREATE TRIGGER cases_counted_update AFTER UPDATE OF partnership_id ON cases
    WHEN OLD.partnership_id <> NEW.partnership_id BEGIN
        UPDATE case_counts SET cases = cases - 1 WHERE partnership_id = OLD.partnership_id;
        INSERT INTO case_counts (partnership_id, cases) VALUES (NEW.partnership_id, 1)
        ON CONFLICT (partnership_id) DO UPDATE SET cases = cases + 1;
    END
    """,
]


def upgrade():
    op.create_table('case_counts',
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'], name=op.f('fk_case_counts_partnership_id_partnerships')),
    sa.PrimaryKeyConstraint('partnership_id', name=op.f('pk_case_counts'))
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        # No case may be opened between the count and the triggers (an app left running
        # during the upgrade): it would never be counted. SQLite has one writer at a time.
        op.execute('LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE')
    op.execute(
        'INSERT INTO case_counts (partnership_id, cases) '
        'SELECT partnership_id, count(*) FROM cases GROUP BY partnership_id'
    )
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for trigger in ('insert', 'delete', 'update', 'truncate'):
            op.execute(f'DROP TRIGGER cases_counted_{trigger} ON cases')
        for function in ('count_cases', 'move_case_count', 'forget_case_counts'):
            op.execute(f'DROP FUNCTION {function}()')
    else:
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER cases_counted_{trigger}')
    op.drop_table('case_counts')
