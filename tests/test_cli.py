"""The command line, in the exact forms the README and scripts rely on."""

from __future__ import annotations

from datetime import date, timedelta

from casework.services.users import user_for_token


def run(app, *args: str):
    result = app.test_cli_runner().invoke(args=["casework", *args])
    return result


def create_lead(app, email: str):
    """`create-user` for a police partner lead of the EVSCP partnership."""
    return run(
        app,
        "create-user",
        "--partnership",
        "EVSCP",
        "--email",
        email,
        "--name",
        "A Lead",
        "--role",
        "partner_lead",
        "--partner",
        "police",
    )


def test_set_up_a_partnership_a_user_and_a_token(app, db):
    result = run(app, "create-partnership", "--name", "Eastvale SCP", "--code", "evscp")
    assert result.exit_code == 0, result.output
    assert "EVSCP" in result.output

    result = create_lead(app, "Lead@Eastvale.example.org")
    assert result.exit_code == 0, result.output
    password_line = result.output.strip().splitlines()[-1]
    assert password_line.startswith("Password: ") and len(password_line) > 20

    result = run(app, "create-token", "--email", "lead@eastvale.example.org")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    user = user_for_token(token)
    assert user is not None and user.partner == "police"
    assert user.agency.statutory_partner == "police"


def test_mistakes_are_reported_without_a_traceback(app, db):
    run(app, "create-partnership", "--name", "Eastvale SCP", "--code", "EVSCP")
    result = run(app, "create-partnership", "--name", "Again", "--code", "EVSCP")
    assert result.exit_code != 0 and "already exists" in result.output
    result = run(
        app,
        "create-user",
        "--partnership",
        "EVSCP",
        "--email",
        "x@y.org",
        "--name",
        "X",
        "--role",
        "wizard",
    )
    assert result.exit_code != 0 and "role" in result.output
    result = run(
        app,
        "create-user",
        "--partnership",
        "EVSCP",
        "--email",
        "x@y.org",
        "--name",
        "X",
        "--role",
        "agency_contributor",
    )
    assert result.exit_code != 0 and "--agency" in result.output
    result = run(app, "create-token", "--email", "nobody@y.org")
    assert result.exit_code != 0 and "no active user" in result.output
    result = run(app, "clocks", "--on", "2023-02-30")
    assert result.exit_code != 0 and "real date" in result.output


def test_clocks_lists_what_is_due_and_overdue_that_day(app, business_manager):
    from tests.factories import make_case

    case = make_case(business_manager)  # notification due Wed 8 March 2023
    result = run(app, "clocks", "--on", "2023-03-01")
    assert "Nothing due or overdue on 2023-03-01" in result.output
    result = run(app, "clocks", "--on", "2023-03-09")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0] == "1 clock(s) due or overdue on 2023-03-09:"
    assert case.reference in lines[1] and "notification" in lines[1]
    assert "due 2023-03-08" in lines[1] and lines[1].endswith("overdue")


def test_demo_data_loads_once_and_always_prints_a_working_token(app, db):
    first = run(app, "demo-data")
    assert first.exit_code == 0, first.output
    assert "Loaded the demonstration data" in first.output
    second = run(app, "demo-data")
    assert "nothing new was loaded" in second.output
    token = [line for line in second.output.splitlines() if "Bearer" in line][0]
    token = token.split("Bearer ")[1].split('"')[0]
    assert user_for_token(token).role == "business_manager"


def test_sweep_and_digest_run_for_a_day_and_refuse_the_future(app, business_manager, smtp_server):
    from tests.factories import make_case

    make_case(business_manager)  # notification due Wed 8 March 2023
    result = run(app, "sweep", "--on", "2023-03-09")
    assert result.exit_code == 0, result.output
    assert "Sweep 2023-03-09: 1 rung(s) sent, 2 skipped, 1 email(s)" in result.output
    assert "Delivery: 1 sent" in result.output
    again = run(app, "sweep", "--on", "2023-03-09")
    assert "0 rung(s) sent" in again.output and "Delivery: 0 sent" in again.output
    assert len(smtp_server.received) == 1

    result = run(app, "digest", "--on", "2023-03-09")
    assert result.exit_code == 0, result.output
    assert "Digest 2023-03-09: 1 email(s) written." in result.output
    assert "Digest 2023-03-11: 0 email(s)" in run(app, "digest", "--on", "2023-03-11").output

    for command in ("sweep", "digest"):
        refused = run(app, command, "--on", (date.today() + timedelta(days=400)).isoformat())
        assert refused.exit_code != 0 and "in the future" in refused.output
        assert "Traceback" not in refused.output
    assert "real date" in run(app, "sweep", "--on", "2023-02-30").output


def test_revoking_a_persons_tokens_stops_them_for_good(app, db):
    run(app, "create-partnership", "--name", "Eastvale SCP", "--code", "EVSCP")
    create_lead(app, "lead@eastvale.example.org")
    tokens = [
        run(app, "create-token", "--email", "lead@eastvale.example.org").output.split()[-1]
        for _ in range(2)
    ]
    assert all(user_for_token(token) is not None for token in tokens)

    result = run(app, "revoke-tokens", "--email", "Lead@Eastvale.example.org")
    assert result.exit_code == 0, result.output
    assert "Revoked 2 API tokens of lead@eastvale.example.org." in result.output
    assert all(user_for_token(token) is None for token in tokens)
    again = run(app, "revoke-tokens", "--email", "lead@eastvale.example.org")
    assert "Revoked 0 API tokens" in again.output
    fresh = run(app, "create-token", "--email", "lead@eastvale.example.org").output.split()[-1]
    assert user_for_token(fresh) is not None  # a new token works; the old ones stay revoked

    unknown = run(app, "revoke-tokens", "--email", "nobody@y.org")
    assert unknown.exit_code != 0 and "There is no user" in unknown.output
    assert "Traceback" not in unknown.output
