"""The person each request is made by, loaded from the session cookie (`auth.load_user`)."""

from __future__ import annotations

from casework.extensions import db as _db
from casework.models import User
from casework.services.auth import load_user


def test_the_signed_in_person_is_loaded_as_the_orm_would_load_them(app, business_manager):
    """`load_user` makes the mapped person from its own statement's row: the same columns, in
    the session with nothing to write, their relationships and later changes working."""
    expected = {
        column.key: getattr(business_manager, column.key) for column in User.__table__.columns
    }
    _db.session.commit()
    _db.session.expunge_all()  # as at the start of a request: an empty session
    user = load_user(business_manager.get_id())
    assert user is not None
    assert {key: getattr(user, key) for key in expected} == expected
    assert user.unread_alerts == 0
    assert user in _db.session and not _db.session.dirty and not _db.session.new
    assert user.partnership.code == "NSCP"  # loaded lazily, as from any query
    user.name = "Renamed Person"
    _db.session.commit()
    _db.session.expunge_all()
    assert _db.session.get(User, business_manager.id).name == "Renamed Person"
    # Loaded again while the same person is in the session: that one instance.
    again = load_user(business_manager.get_id())
    assert again is _db.session.get(User, business_manager.id)
    assert again.name == "Renamed Person" and not _db.session.dirty


def test_an_unsaved_change_to_the_person_is_kept_when_they_are_loaded_again(business_manager):
    business_manager.name = "Changed, not yet saved"
    loaded = load_user(business_manager.get_id())
    assert loaded is business_manager and loaded.name == "Changed, not yet saved"
    _db.session.commit()
    _db.session.expunge_all()
    assert _db.session.get(User, business_manager.id).name == "Changed, not yet saved"
