"""A one-time invitation link is used once, even when it is used twice at the same moment."""

from __future__ import annotations

import threading

import pytest
from werkzeug.security import check_password_hash

from casework.extensions import db as _db
from casework.models import User
from casework.services import auth
from casework.services.admin_users import invite_user
from casework.services.errors import NotFound

FIRST = "first password chosen"
SECOND = "second password chosen"


def meanwhile(app, monkeypatch, action) -> None:
    """Make the next `accept_invitation` read its link, then wait while `action` runs and
    commits in another request (another thread, its own session), as if at the same moment."""
    real_invitation_for = auth.invitation_for

    def read_then_wait(token: str):
        invitation = real_invitation_for(token)
        monkeypatch.setattr(auth, "invitation_for", real_invitation_for)

        def other_request() -> None:
            with app.app_context():
                try:
                    action()
                finally:
                    _db.session.remove()

        thread = threading.Thread(target=other_request)
        thread.start()
        thread.join(timeout=20)
        return invitation

    monkeypatch.setattr(auth, "invitation_for", read_then_wait)


def test_two_uses_of_one_link_at_once_set_one_password(app, admin_user, monkeypatch):
    user, token = invite_user(
        admin_user, name="New Person", email="new@nscp.example.org", role="scrutineer"
    )
    user_id = user.id
    # Both tabs have read the link as unused; the other one saves first.
    meanwhile(app, monkeypatch, lambda: auth.accept_invitation(token, SECOND, SECOND))
    with pytest.raises(NotFound):
        auth.accept_invitation(token, FIRST, FIRST)

    _db.session.expire_all()
    saved = _db.session.get(User, user_id).password_hash
    assert check_password_hash(saved, SECOND) and not check_password_hash(saved, FIRST)
    with pytest.raises(NotFound):
        auth.invitation_for(token)


def test_a_link_cannot_be_used_while_its_person_is_being_deactivated(app, admin_user, monkeypatch):
    from casework.services.admin_users import set_user_active

    user, token = invite_user(
        admin_user, name="New Person", email="new@nscp.example.org", role="scrutineer"
    )
    user_id, admin_id = user.id, admin_user.id
    meanwhile(
        app,
        monkeypatch,
        lambda: set_user_active(_db.session.get(User, admin_id), user_id, False),
    )
    with pytest.raises(NotFound):
        auth.accept_invitation(token, FIRST, FIRST)
    _db.session.expire_all()
    assert _db.session.get(User, user_id).password_hash is None
