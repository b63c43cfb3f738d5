"""The request's database transaction, for code outside the services that must end it."""

from casework.extensions import db


def abandon() -> None:
    """Roll back whatever the request had done: after an unexpected error, a PostgreSQL
    transaction is aborted and refuses every later statement, the error page's own included."""
    db.session.rollback()
