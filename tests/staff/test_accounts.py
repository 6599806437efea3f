"""Staff accounts: create-user, argon2 hashes, sign-in, rate limit, lockout, idle timeout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivig_home.agencies import registry
from ivig_home.cli import cli
from ivig_home.db import db, utcnow
from ivig_home.models import AuditEntry, StaffUser
from ivig_home.staff import accounts
from tests.staff.support import PASSWORD, World, build_world, csrf_token, post, sign_in


def _user(app: Flask, email: str) -> StaffUser:
    with app.app_context():
        user = accounts.find_user(email)
        assert user is not None
        db.session.expunge(user)
        return user


def _actions(app: Flask, actor: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor == actor)
                                       .order_by(AuditEntry.id)))


@pytest.mark.parametrize("how", ["prompt", "stdin"])
def test_create_user_reads_the_password_without_an_argument(staff_app: Flask, how: str) -> None:
    runner = staff_app.test_cli_runner()
    arguments = ["create-user", "Jo@Demo.Test", "--agency", "demo", "--role", "nurse",
                 "--name", "Jo Rivera"]
    if how == "stdin":
        result = runner.invoke(cli, args=[*arguments, "--password-stdin"], input=PASSWORD + "\n")
    else:
        result = runner.invoke(cli, args=arguments, input=f"{PASSWORD}\n{PASSWORD}\n")
        assert "Password: \nRepeat the password: \n" in result.output  # nothing echoed
    assert result.exit_code == 0, result.output
    assert result.output.endswith("Added nurse jo@demo.test to Demo Home Health (demo).\n")
    assert PASSWORD not in result.output
    with staff_app.app_context():
        user = accounts.find_user("jo@demo.test")
        assert user is not None and user.role == "nurse" and user.name == "Jo Rivera"
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert sign_in(staff_app.test_client(), "JO@demo.test").status_code == 303


@pytest.mark.parametrize("arguments,stdin,message", [
    (["x@demo.test", "--agency", "nowhere", "--role", "nurse"], PASSWORD,
     "no agency has the slug 'nowhere'"),
    (["x@demo.test", "--agency", "demo", "--role", "nurse"], "short",
     "at least 12 characters"),
    (["not-an-email", "--agency", "demo", "--role", "admin"], PASSWORD,
     "Enter an email address like name@agency.org."),
    (["nurse@demo.test", "--agency", "demo", "--role", "nurse"], PASSWORD,
     "already an account with this email address"),
])
def test_create_user_refuses_with_a_reason(staff_app: Flask, arguments: list[str], stdin: str,
                                           message: str) -> None:
    with staff_app.app_context():
        accounts.create_user(registry.ensure_demo_agency(), "nurse@demo.test", "nurse", PASSWORD)
    result = staff_app.test_cli_runner().invoke(
        cli, args=["create-user", *arguments, "--password-stdin"], input=stdin + "\n")
    assert result.exit_code == 2
    assert message in result.output


def test_create_user_has_no_password_option_and_needs_a_role(staff_app: Flask) -> None:
    runner = staff_app.test_cli_runner()
    given = runner.invoke(cli, args=["create-user", "a@demo.test", "--agency", "demo", "--role",
                                "nurse", "--password", PASSWORD])
    assert given.exit_code == 2 and "No such option '--password'" in given.output
    unknown_role = runner.invoke(cli, args=["create-user", "a@demo.test", "--agency", "demo",
                                       "--role", "doctor", "--password-stdin"], input=PASSWORD)
    assert unknown_role.exit_code == 2 and "'doctor' is not one of 'nurse', 'admin'" in (
        unknown_role.output)


def test_the_prompt_must_be_repeated_the_same(staff_app: Flask) -> None:
    result = staff_app.test_cli_runner().invoke(
        cli, args=["create-user", "a@demo.test", "--agency", "demo", "--role", "nurse"],
        input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n")
    assert "Error: The two entered values do not match." in result.output
    assert result.exit_code == 0


def test_the_session_cookie_is_secure_httponly_and_lax(make_staff_app: Callable[..., Flask],
                                                        ) -> None:
    app = make_staff_app(SESSION_COOKIE_SECURE=True)
    build_world(app)
    response = sign_in(app.test_client(), "nurse@demo.test")
    cookie = response.headers["Set-Cookie"]
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {part.strip() for part in cookie.split(";")}
    assert "Expires" not in cookie  # ends with the browser session as well as when idle


@pytest.mark.parametrize("email,password,message", [
    ("nurse@demo.test", "wrong password here", "The email address or password is not right."),
    ("nobody@demo.test", PASSWORD, "The email address or password is not right."),
    ("", "", "Enter your email address."),
])
def test_a_failed_sign_in_says_so_without_saying_which(world: World, email: str,
                                                       password: str, message: str) -> None:
    client = world.app.test_client()
    response = sign_in(client, email, password)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and message in body
    assert client.get("/staff/").status_code == 302


def test_sign_in_is_rate_limited_per_address(make_staff_app: Callable[..., Flask]) -> None:
    app = make_staff_app(STAFF_LOGIN_RATE_LIMIT="3 per minute")
    build_world(app)
    client = app.test_client()
    token = csrf_token(client)
    statuses = [client.post("/staff/login", data={"csrf_token": token, "email": "x@demo.test",
                                                  "password": "guess number one"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.post("/staff/login", data={"csrf_token": token, "email": "nurse@demo.test",
                                                "password": PASSWORD})
    assert refused.status_code == 429
    assert "too many sign-in attempts from this network" in refused.get_data(as_text=True)
    assert client.get("/staff/login").status_code == 200  # the form itself still shows
    elsewhere = app.test_client()
    response = elsewhere.post("/staff/login", environ_base={"REMOTE_ADDR": "192.0.2.7"},
                              data={"csrf_token": csrf_token(elsewhere),
                                    "email": "nurse@demo.test", "password": PASSWORD})
    assert response.status_code == 303


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    client = world.app.test_client()
    bodies = [sign_in(client, "nurse@demo.test", f"wrong guess {n:02d}").get_data(as_text=True)
              for n in range(5)]
    assert all("not right" in body for body in bodies[:4])
    assert "paused for 15 minutes after 5 wrong passwords" in bodies[4]
    locked = sign_in(client, "nurse@demo.test")  # the right password does not help now
    assert "paused for 15 minutes" in locked.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
    user = _user(world.app, "nurse@demo.test")
    assert user.locked_until is not None
    assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
    assert _actions(world.app, "nurse@demo.test") == ["failed_login"] * 5 + ["locked_out",
                                                                             "failed_login"]
    later = utcnow() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(accounts, "utcnow", lambda: later)
    assert sign_in(client, "nurse@demo.test").status_code == 303
    user = _user(world.app, "nurse@demo.test")
    assert user.failed_logins == 0 and user.locked_until is None


def test_a_success_resets_the_count_of_failures(world: World) -> None:
    client = world.app.test_client()
    for _ in range(4):
        sign_in(client, "nurse@demo.test", "wrong password 1")
    assert sign_in(client, "nurse@demo.test").status_code == 303
    post(client, "/staff/logout")
    for _ in range(4):
        sign_in(client, "nurse@demo.test", "wrong password 2")
    assert sign_in(client, "nurse@demo.test").status_code == 303


def test_fifteen_idle_minutes_end_the_session(world: World,
                                              monkeypatch: pytest.MonkeyPatch,
                                              as_user: Callable[[str | None], FlaskClient],
                                              ) -> None:
    from ivig_home.staff import auth

    client = as_user("nurse@demo.test")
    start = utcnow()
    for minutes in (14, 28):  # each request restarts the 15 minutes
        moment = start + timedelta(minutes=minutes)
        monkeypatch.setattr(auth, "utcnow", lambda moment=moment: moment)
        assert client.get("/staff/").status_code == 200
    idle = start + timedelta(minutes=28 + 15, seconds=5)
    monkeypatch.setattr(auth, "utcnow", lambda: idle)
    path = f"/staff/submissions/{world.own['risks']}"
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    login_page = client.get("/staff/login").get_data(as_text=True)
    assert "signed out after 15 minutes without activity" in login_page
    back = sign_in(client, "nurse@demo.test")
    assert back.headers["Location"] == path  # back where the nurse was


def test_signing_out_ends_the_session_even_for_a_copied_cookie(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    stolen = client.get_cookie("session")
    assert stolen is not None
    response = post(client, "/staff/logout")
    assert response.headers["Location"] == "/staff/login"
    assert "You are signed out." in client.get("/staff/login").get_data(as_text=True)
    replay = world.app.test_client()
    replay.set_cookie("session", stolen.value)
    assert replay.get("/staff/").status_code == 302
    assert _actions(world.app, "nurse@demo.test")[-1] == "logged_out"


def test_an_admin_adds_a_nurse_and_turns_an_account_off(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    admin = as_user("admin@demo.test")
    added = post(admin, "/staff/users", {"name": "Kim Park", "email": "Kim@Demo.test",
                                         "password": "a long first password"})
    assert added.status_code == 303
    listing = admin.get("/staff/users").get_data(as_text=True)
    assert "kim@demo.test can now sign in as a nurse" in listing and "Kim Park" in listing
    kim = world.app.test_client()
    assert sign_in(kim, "KIM@demo.test", "a long first password").status_code == 303
    assert kim.get("/staff/").status_code == 200
    kim_id = _user(world.app, "kim@demo.test").id
    assert post(admin, f"/staff/users/{kim_id}/active").status_code == 303
    assert "kim@demo.test is turned off." in admin.get("/staff/users").get_data(as_text=True)
    assert kim.get("/staff/").status_code == 302  # signed out at once
    refused = sign_in(world.app.test_client(), "kim@demo.test", "a long first password")
    assert "This account is turned off" in refused.get_data(as_text=True)
    post(admin, f"/staff/users/{kim_id}/active")
    assert sign_in(world.app.test_client(), "kim@demo.test",
                   "a long first password").status_code == 303
    assert _actions(world.app, "admin@demo.test")[-3:] == ["user_added", "user_disabled",
                                                          "user_enabled"]


@pytest.mark.parametrize("data,message", [
    ({"email": "nurse@demo.test", "password": "long enough password"},
     "There is already an account with this email address."),
    ({"email": "someone", "password": "long enough password"},
     "Enter an email address like name@agency.org."),
    ({"email": "new@demo.test", "password": "short"}, "Use at least 12 characters."),
])
def test_adding_a_nurse_explains_what_to_fix(world: World, data: dict[str, str], message: str,
                                             as_user: Callable[[str | None], FlaskClient],
                                             ) -> None:
    response = post(as_user("admin@demo.test"), "/staff/users", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body
    assert "<title>Error: Staff accounts" in body
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 5


def test_an_admin_cannot_turn_off_an_administrator(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    admin = as_user("admin@demo.test")
    own_id = _user(world.app, "admin@demo.test").id
    post(admin, f"/staff/users/{own_id}/active")
    assert _user(world.app, "admin@demo.test").active
    assert admin.get("/staff/").status_code == 200


def test_changing_ones_password(world: World,
                                as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    wrong = post(client, "/staff/password", {"current": "not my password", "new":
                                             "my new passphrase", "confirm":
                                             "my new passphrase"})
    assert "The current password is not right." in wrong.get_data(as_text=True)
    differ = post(client, "/staff/password", {"current": PASSWORD, "new": "my new passphrase",
                                              "confirm": "my new passphrase!"})
    assert "The two new passwords are not the same." in differ.get_data(as_text=True)
    changed = post(client, "/staff/password", {"current": PASSWORD, "new": "my new passphrase",
                                               "confirm": "my new passphrase"})
    assert changed.status_code == 303
    assert sign_in(world.app.test_client(), "nurse@demo.test").status_code == 200
    assert sign_in(world.app.test_client(), "nurse@demo.test",
                   "my new passphrase").status_code == 303


NEW = "a password the admin set"


def _lock(app: Flask, email: str) -> None:
    with app.app_context():
        user = accounts.find_user(email)
        assert user is not None
        user.failed_logins = accounts.MAX_FAILURES
        user.locked_until = utcnow() + accounts.LOCK_TIME
        db.session.commit()


def test_the_sign_in_page_says_whom_to_ask_for_a_forgotten_password(
        world: World) -> None:
    page = world.app.test_client().get("/staff/login").get_data(as_text=True)
    assert ("Forgot your password? Ask an administrator of your agency to set a new one."
            in page)


def test_an_admin_sets_a_new_password_for_a_locked_out_nurse(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    nurse = as_user("nurse@demo.test")
    _lock(world.app, "nurse@demo.test")
    admin = as_user("admin@demo.test")
    nurse_id = _user(world.app, "nurse@demo.test").id
    listing = admin.get("/staff/users").get_data(as_text=True)
    assert f'href="/staff/users/{nurse_id}/password"' in listing
    page = admin.get(f"/staff/users/{nurse_id}/password").get_data(as_text=True)
    assert "<h1>Set a new password</h1>" in page and "Jo Rivera (nurse@demo.test)" in page
    response = post(admin, f"/staff/users/{nurse_id}/password", {"new": NEW, "confirm": NEW})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/users"
    assert ("nurse@demo.test has a new password and can sign in with it now."
            in admin.get("/staff/users").get_data(as_text=True))
    # The row: a new argon2 hash, no lock, no count of failures.
    user = _user(world.app, "nurse@demo.test")
    assert user.password_hash.startswith("$argon2id$") and NEW not in user.password_hash
    assert user.failed_logins == 0 and user.locked_until is None
    # The old password and the old session are gone; the new password signs in at once.
    assert nurse.get("/staff/").status_code == 302
    assert sign_in(world.app.test_client(), "nurse@demo.test").status_code == 200
    assert sign_in(world.app.test_client(), "nurse@demo.test", NEW).status_code == 303
    # The audit entry says who set whose password, and the audit page reads it.
    with world.app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.actor == "admin@demo.test").order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        assert (entry.action, entry.detail) == ("settings_changed",
                                                f"password of user {nurse_id}")
        assert entry.agency_id == world.own["agency"]
    audit_page = admin.get("/staff/audit").get_data(as_text=True)
    assert "Set a new password for nurse@demo.test" in audit_page


@pytest.mark.parametrize("data,message", [
    ({"new": NEW, "confirm": NEW + "!"}, "The two new passwords are not the same."),
    ({"new": "short", "confirm": "short"}, "Use at least 12 characters."),
    ({"new": "", "confirm": ""}, "Enter a new password."),
])
def test_setting_a_password_explains_what_to_fix(
        world: World, as_user: Callable[[str | None], FlaskClient], data: dict[str, str],
        message: str) -> None:
    before = _user(world.app, "nurse@demo.test").password_hash
    response = post(as_user("admin@demo.test"),
                    f"/staff/users/{_user(world.app, 'nurse@demo.test').id}/password", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body
    assert "<title>Error: Set a new password" in body
    assert _user(world.app, "nurse@demo.test").password_hash == before


def test_only_an_admin_of_the_agency_sets_a_password_and_only_with_the_token(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    target = f"/staff/users/{world.own['user']}/password"
    data = {"new": NEW, "confirm": NEW}
    before = _user(world.app, "second@demo.test").password_hash
    assert as_user("nurse@demo.test").get(target).status_code == 403
    assert post(as_user("nurse@demo.test"), target, data).status_code == 403
    assert as_user("admin@harbour.test").get(target).status_code == 404
    assert post(as_user("admin@harbour.test"), target, data).status_code == 404
    assert as_user("admin@demo.test").post(target, data=data).status_code == 400  # no CSRF
    assert _user(world.app, "second@demo.test").password_hash == before
    # An administrator's password is not set from the page.
    admin = as_user("admin@demo.test")
    own = _user(world.app, "admin@demo.test")
    assert post(admin, f"/staff/users/{own.id}/password", data).status_code == 303
    assert _user(world.app, "admin@demo.test").password_hash == own.password_hash
    assert _actions(world.app, "admin@demo.test")[-1] == "logged_in"
