"""alerts: the ledger of claimed rungs, the email outbox, in-app alerts, alert settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 13:09:38.095639

Clocks gain `next_rung_on`, the date of the next rung not yet claimed. The ledger starts
empty, so for the clocks already stored that is their first rung (`alert_from_on`, NULL for
clocks that cannot alert): the first sweep after the upgrade sends each open clock's highest
rung reached and records the lower ones as skipped, as after any downtime.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alert_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clock_id', sa.Integer(), nullable=False),
    sa.Column('rung', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("rung IN ('due_soon', 'due', 'overdue', 'escalated')", name=op.f('ck_alert_ledger_rung')),
    sa.CheckConstraint("status IN ('sent', 'skipped')", name=op.f('ck_alert_ledger_status')),
    sa.ForeignKeyConstraint(['clock_id'], ['clocks.id'], name=op.f('fk_alert_ledger_clock_id_clocks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_ledger')),
    sa.UniqueConstraint('clock_id', 'rung', 'due_on', name=op.f('uq_alert_ledger_clock_id_rung_due_on'))
    )
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('clock_id', sa.Integer(), nullable=False),
    sa.Column('rung', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("rung IN ('due_soon', 'due', 'overdue', 'escalated')", name=op.f('ck_alerts_rung')),
    sa.ForeignKeyConstraint(['clock_id'], ['clocks.id'], name=op.f('fk_alerts_clock_id_clocks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alerts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('user_id', 'clock_id', 'rung', 'due_on', name=op.f('uq_alerts_user_id_clock_id_rung_due_on'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_clock_id'), ['clock_id'], unique=False)
        batch_op.create_index('ix_alerts_unread_user_id', ['user_id'], unique=False, sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('clock_id', sa.Integer(), nullable=True),
    sa.Column('rung', sa.String(length=20), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('digest_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('failed_at', sa.DateTime(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.CheckConstraint("(kind = 'alert' AND clock_id IS NOT NULL AND rung IS NOT NULL AND due_on IS NOT NULL AND digest_on IS NULL) OR (kind = 'digest' AND digest_on IS NOT NULL AND clock_id IS NULL)", name=op.f('ck_outbox_kind_columns')),
    sa.CheckConstraint("kind IN ('alert', 'digest')", name=op.f('ck_outbox_kind')),
    sa.CheckConstraint("rung IS NULL OR rung IN ('due_soon', 'due', 'overdue', 'escalated')", name=op.f('ck_outbox_rung')),
    sa.ForeignKeyConstraint(['clock_id'], ['clocks.id'], name=op.f('fk_outbox_clock_id_clocks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_clock_id'), ['clock_id'], unique=False)
        batch_op.create_index('ix_outbox_pending_next_attempt_at', ['next_attempt_at'], unique=False, sqlite_where=sa.text('sent_at IS NULL AND failed_at IS NULL AND superseded_at IS NULL'), postgresql_where=sa.text('sent_at IS NULL AND failed_at IS NULL AND superseded_at IS NULL'))

    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_rung_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_clocks_next_rung_on', ['next_rung_on'], unique=False)

    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalation_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('digest_time', sa.String(length=5), server_default='07:30', nullable=False))
        batch_op.add_column(sa.Column('last_digest_on', sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_partnerships_digest_time'),
            "length(digest_time) = 5 AND substr(digest_time, 3, 1) = ':'",
        )

    op.execute("UPDATE clocks SET next_rung_on = alert_from_on")



def downgrade():
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_partnerships_digest_time'), type_='check')
        batch_op.drop_column('last_digest_on')
        batch_op.drop_column('digest_time')
        batch_op.drop_column('escalation_enabled')

    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_clocks_next_rung_on')
        batch_op.drop_column('next_rung_on')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_pending_next_attempt_at', sqlite_where=sa.text('sent_at IS NULL AND failed_at IS NULL AND superseded_at IS NULL'), postgresql_where=sa.text('sent_at IS NULL AND failed_at IS NULL AND superseded_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_outbox_clock_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_unread_user_id', sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_alerts_clock_id'))

    op.drop_table('alerts')
    op.drop_table('alert_ledger')
