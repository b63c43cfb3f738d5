"""Each person has a session generation, written into their session cookies: signing out or
being deactivated adds one, which ends every session signed before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 21:05:00

Sessions are signed cookies, so signing out only cleared the browser's copy: a copy taken
before still worked, and kept itself alive. Existing people start at 0; cookies signed before
this revision carry no generation and are refused, so everyone signs in once more.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
