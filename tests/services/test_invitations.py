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


def test_two_uses_of_one_link_at_once_set_one_password(app, admin_user, monkeypatch):
    user, token = invite_user(
        admin_user, name="New Person", email="new@nscp.example.org", role="scrutineer"
    )
    user_id = user.id
    real_invitation_for = auth.invitation_for

    def the_other_tab_first(token_: str):
        """Both tabs have read the link as unused; the other one saves first."""
        invitation = real_invitation_for(token_)
        monkeypatch.setattr(auth, "invitation_for", real_invitation_for)

        def other_tab() -> None:
            with app.app_context():
                try:
                    auth.accept_invitation(token, SECOND, SECOND)
                finally:
                    _db.session.remove()

        thread = threading.Thread(target=other_tab)
        thread.start()
        thread.join(timeout=20)
        return invitation

    monkeypatch.setattr(auth, "invitation_for", the_other_tab_first)
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
    real_invitation_for = auth.invitation_for

    def deactivated_meanwhile(token_: str):
        invitation = real_invitation_for(token_)

        def deactivate() -> None:
            with app.app_context():
                try:
                    set_user_active(_db.session.get(User, admin_id), user_id, False)
                finally:
                    _db.session.remove()

        thread = threading.Thread(target=deactivate)
        thread.start()
        thread.join(timeout=20)
        return invitation

    monkeypatch.setattr(auth, "invitation_for", deactivated_meanwhile)
    with pytest.raises(NotFound):
        auth.accept_invitation(token, FIRST, FIRST)
    _db.session.expire_all()
    assert _db.session.get(User, user_id).password_hash is None
