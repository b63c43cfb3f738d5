"""Mail settings that could never work stop the application starting, naming the setting.

Started anyway, they failed every delivery in the same way, for ever: no message was sent, and
none showed as failed. These need no database: `create_app` reads settings, it connects to
nothing.
"""

from __future__ import annotations

import pytest

from casework import create_app
from casework.mail import MailSettingError, mail_settings

BASE = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True}


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, "MAIL_USE_TLS and MAIL_USE_SSL"),
        ({"MAIL_BACKEND": "smpt"}, "MAIL_BACKEND"),
        ({"MAIL_BACKEND": "casework.no_such_backend"}, "MAIL_BACKEND"),
        ({"BASE_URL": "casework.example.org"}, "BASE_URL"),
        ({"BASE_URL": "//casework.example.org"}, "BASE_URL"),
        ({"BASE_URL": "ftp://casework.example.org"}, "BASE_URL"),
        ({"BASE_URL": "https://"}, "BASE_URL"),
    ],
)
def test_settings_that_could_never_work_refuse_to_start(settings, named):
    with pytest.raises(MailSettingError) as refused:
        create_app({**BASE, **settings})
    assert named in str(refused.value)


@pytest.mark.parametrize(
    "settings",
    [
        {},  # the tests' own settings
        {"MAIL_BACKEND": "file"},  # as `make run` starts it
        {"MAIL_BACKEND": "locmem"},
        {"MAIL_BACKEND": "flask_mailman.backends.smtp.EmailBackend"},
        {"MAIL_USE_SSL": True, "MAIL_PORT": 465},
        {"MAIL_USE_TLS": True, "MAIL_PORT": 587},
        {"BASE_URL": "https://casework.example.org/"},
    ],
)
def test_settings_that_can_work_start(settings, tmp_path):
    app = create_app({**BASE, "MAIL_FILE_PATH": str(tmp_path / "mail"), **settings})
    with app.app_context():
        assert mail_settings().base_url.startswith(("http://", "https://"))
        assert not mail_settings().base_url.endswith("/")
