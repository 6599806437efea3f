"""Invitations for one patient, one after another, as the weeks between infusions pass."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select, update

from ivig_home import timezones
from ivig_home.agencies import registry
from ivig_home.cli import cli
from ivig_home.db import db
from ivig_home.models import Invitation

LINK = re.compile(r"(/a/([a-z0-9-]+)/i/([A-Za-z0-9_-]+))$")
NAME, BIRTH = "Ana Ruiz", "1971-04-02"


def today(app: Flask) -> date:
    """Return today at the demo agency."""
    with app.app_context():
        return timezones.today(registry.get_agency("demo").time_zone)


def invite(app: Flask, days_ahead: int = 3, name: str = NAME, birth: str = BIRTH) -> str:
    """Invite a patient (Ana Ruiz unless named) at the demo agency with `ivig-home invite`;
    return the link's path."""
    day = today(app) + timedelta(days=days_ahead)
    result = app.test_cli_runner().invoke(cli, [
        "invite", "demo", "--name", name, "--date-of-birth", birth,
        "--infusion-date", day.isoformat()])
    assert result.exit_code == 0, result.output
    found = LINK.search(result.output.rstrip("\n").splitlines()[-1])
    assert found, result.output
    return found.group(1)


def weeks_pass(app: Flask, days: int = 28) -> date:
    """Move every invitation's infusion `days` into the past, as if that time had passed
    since; return the latest infusion date now."""
    with app.app_context():
        for invitation in db.session.scalars(select(Invitation)):
            db.session.execute(update(Invitation).where(Invitation.id == invitation.id).values(
                infusion_on=invitation.infusion_on - timedelta(days=days),
                expires_at=invitation.expires_at - timedelta(days=days)))
        db.session.commit()
        latest: date = db.session.scalar(select(Invitation.infusion_on)
                                         .order_by(Invitation.infusion_on.desc()).limit(1))
    return latest
