"""`flask --app wsgi casework ...`: set-up and operations from the command line.

The forms of these commands are relied on by scripts: change them only on purpose.
"""

from __future__ import annotations

import logging
from datetime import date

import click

from casework.models.time import utcnow
from casework.services.clocks import clocks_due
from casework.services.errors import DomainError
from casework.services.partnerships import create_partnership
from casework.services.today import london_today
from casework.services.users import create_api_token, create_user, revoke_api_tokens
from workflows.cases import PARTNERS
from workflows.facts import parse_date

cli = click.Group("casework", help="Casework administration and operations.")


def _fail(error: DomainError) -> None:
    details = "".join(f"\n  {k}: {v}" for k, v in error.fields.items())
    raise click.ClickException(error.message + details)


@cli.command("create-partnership")
@click.option("--name", required=True)
@click.option("--code", required=True)
def create_partnership_command(name: str, code: str) -> None:
    """Create a partnership and its three statutory partners as agencies."""
    try:
        partnership = create_partnership(name, code)
    except DomainError as error:
        _fail(error)
    click.echo(f"Created partnership {partnership.code}: {partnership.name}")


@cli.command("create-user")
@click.option("--partnership", "partnership_code", required=True)
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True)
@click.option("--partner", type=click.Choice(PARTNERS))
@click.option("--agency")
def create_user_command(
    partnership_code: str, email: str, name: str, role: str, partner: str | None, agency: str | None
) -> None:
    """Create a user; prints a generated password (shown once)."""
    try:
        user, password = create_user(
            partnership_code=partnership_code,
            email=email,
            name=name,
            role=role,
            partner=partner,
            agency_name=agency,
        )
    except DomainError as error:
        _fail(error)
    click.echo(f"Created {user.role} {user.email}")
    click.echo(f"Password: {password}")


@cli.command("create-token")
@click.option("--email", required=True)
def create_token_command(email: str) -> None:
    """Create an API token; the token alone is the last line (shown once)."""
    try:
        token = create_api_token(email)
    except DomainError as error:
        _fail(error)
    click.echo(f"API token for {email.strip().lower()} (shown once):")
    click.echo(token)


@cli.command("revoke-tokens")
@click.option("--email", required=True)
def revoke_tokens_command(email: str) -> None:
    """Revoke every API token of a person: they stop working at once, for good."""
    try:
        revoked = revoke_api_tokens(email)
    except DomainError as error:
        _fail(error)
    click.echo(
        f"Revoked {revoked} API token{'s' if revoked != 1 else ''} of {email.strip().lower()}."
    )


@cli.command("demo-data")
def demo_data_command() -> None:
    """Load a fictional partnership, its people and cases (only into an empty database)."""
    from casework.services.demo import load_demo_data

    try:
        summary = load_demo_data()
    except DomainError as error:
        _fail(error)
    click.echo(summary)


@cli.command("clocks")
@click.option("--on", "on_text", help="The date, YYYY-MM-DD (default: today in London).")
def clocks_command(on_text: str | None) -> None:
    """What is due and overdue on a date, across every partnership."""
    try:
        on = parse_date(on_text) if on_text else london_today()
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--on") from None
    due = clocks_due(on)
    if not due:
        click.echo(f"Nothing due or overdue on {on.isoformat()}.")
        return
    click.echo(f"{len(due)} clock(s) due or overdue on {on.isoformat()}:")
    for clock in due:
        kind = "statutory" if clock.statutory else "local"
        click.echo(
            f"{clock.case_reference:<18} {clock.kind:<22} {kind:<9} "
            f"due {clock.due_on.isoformat()}  {clock.rung}"
        )


def _date_option(on_text: str | None) -> date:
    """--on: a real date, today by default, never in the future."""
    today = london_today()
    try:
        on = parse_date(on_text) if on_text else today
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--on") from None
    if on > today:
        raise click.BadParameter(
            f"{on.isoformat()} is in the future: alerts are never sent ahead of their day.",
            param_hint="--on",
        )
    return on


@cli.command("sweep")
@click.option("--on", "on_text", help="Sweep as if this were today, YYYY-MM-DD (not future).")
def sweep_command(on_text: str | None) -> None:
    """Claim every alert rung due, write the emails and alerts, then deliver the outbox."""
    from casework.services.alerts import deliver_outbox, sweep

    on = _date_option(on_text)
    report = sweep(on)
    click.echo(
        f"Sweep {on.isoformat()}: {report.sent} rung(s) sent, {report.skipped} skipped, "
        f"{report.emails} email(s) and {report.alerts} in-app alert(s) written."
    )
    _deliver(deliver_outbox)


@cli.command("digest")
@click.option("--on", "on_text", help="The day's digest, YYYY-MM-DD (not future).")
def digest_command(on_text: str | None) -> None:
    """Write the daily digest for that day (working days only), then deliver the outbox."""
    from casework.services.alerts import deliver_outbox, digest

    on = _date_option(on_text)
    written = digest(on)
    click.echo(f"Digest {on.isoformat()}: {written} email(s) written.")
    _deliver(deliver_outbox)


def _deliver(deliver_outbox) -> None:
    report = deliver_outbox(utcnow())
    click.echo(
        f"Delivery: {report.sent} sent, {report.retrying} waiting to retry, "
        f"{report.failed} failed, {report.superseded} superseded."
    )


@cli.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler (sweep, delivery, digest); stand by while another one leads."""
    from flask import current_app

    from casework.jobs.scheduler import run_scheduler

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    run_scheduler(current_app._get_current_object())


@cli.command("check-templates")
@click.option(
    "--path",
    type=click.Path(file_okay=False),
    help="A definitions folder to check (default: the shipped one).",
)
def check_templates_command(path: str | None) -> None:
    """Check every review template definition; list each problem and exit 1 if any."""
    from casework.review_templates import TemplateError, load_all

    try:
        registry = load_all(path)
    except TemplateError as error:
        click.echo(str(error), err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(registry.summary())
