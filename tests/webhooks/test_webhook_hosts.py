"""Webhook URLs reach public hosts only: checked when set (CLI, Agency page) and when sent."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from ivig_home.agencies import registry as agencies
from ivig_home.agencies.registry import get_agency
from ivig_home.cli import cli
from ivig_home.db import db
from ivig_home.models import WebhookDelivery
from ivig_home.webhooks import hosts as webhook_hosts
from ivig_home.webhooks import outbox as webhooks
from tests.agency_support import make_agency, submit
from tests.staff.support import World, post
from tests.webhooks.receiver import Receiver

PRIVATE = "Webhook URL: it must reach a public address"
HTTPS = "Webhook URL: it must be an https:// address"
REFUSED = [
    ("http://hooks.example/x", "Webhook URL: it must use https."),
    ("https://127.0.0.1/hook", PRIVATE),
    ("https://127.1/hook", PRIVATE),  # short forms that resolve to 127.0.0.1
    ("https://2130706433/hook", PRIVATE),
    ("https://0x7f.1/hook", PRIVATE),
    ("https://10.1.2.3/hook", PRIVATE),
    ("https://172.16.0.9/hook", PRIVATE),
    ("https://172.31.255.1/hook", PRIVATE),
    ("https://192.168.1.10/hook", PRIVATE),
    ("https://169.254.169.254/latest/meta-data/", PRIVATE),  # cloud metadata
    ("https://100.64.0.1/hook", PRIVATE),  # shared (carrier-grade NAT)
    ("https://0.0.0.0/hook", PRIVATE),
    ("https://224.0.0.1/hook", PRIVATE),
    ("https://240.0.0.1/hook", PRIVATE),
    ("https://255.255.255.255/hook", PRIVATE),
    ("https://[::1]/hook", PRIVATE),
    ("https://[::]/hook", PRIVATE),
    ("https://[fc00::1]/hook", PRIVATE),
    ("https://[fd12:3456::1]/hook", PRIVATE),
    ("https://[fe80::1]/hook", PRIVATE),
    ("https://[fe80::1%25eth0]/hook", PRIVATE),
    ("https://[ff02::1]/hook", PRIVATE),
    ("https://[::ffff:127.0.0.1]/hook", PRIVATE),
    ("https://[::ffff:10.0.0.1]/hook", PRIVATE),
    ("https://[::ffff:169.254.169.254]/hook", PRIVATE),
    ("https://[64:ff9b::7f00:1]/hook", PRIVATE),  # NAT64 of 127.0.0.1
    ("https://[2002:7f00:1::]/hook", PRIVATE),  # 6to4 of 127.0.0.1
    ("https://localhost/hook", PRIVATE),
    ("https://localhost:8443/hook", PRIVATE),
    ("https://LOCALHOST./hook", PRIVATE),
    ("https://hooks.localhost/hook", PRIVATE),
    ("https://user:secret@hooks.example/x", "Webhook URL: it must not hold a user name"),
    ("https://token@hooks.example/x", "Webhook URL: it must not hold a user name"),
    ("ftp://hooks.example/x", HTTPS),
    ("file:///etc/passwd", HTTPS),
    ("https://hooks.example:99999/x", HTTPS),
    ("https:///no-host", HTTPS),
]
ACCEPTED = [
    "https://93.184.216.34/hook",
    "https://93.184.216.34:8443/hook?agency=harbour",
    "https://[2606:2800:220:1:248:1893:25c8:1946]/hook",
    # A name that does not resolve yet is kept: it is resolved and checked at each send.
    "https://hooks.harbour.example/ivig",
]
CHANGES = {"name": "Demo Home Health North", "phone": "+1 617 555 0142", "colour": "#0B3D2E",
           "allowed_origins": "https://www.demo.example", "webhook_url": ""}


@pytest.mark.parametrize("url,message", REFUSED)
def test_a_webhook_url_that_could_reach_a_private_host_is_refused(
        app: Flask, url: str, message: str) -> None:
    with app.app_context():
        agency = make_agency("strict")
        with pytest.raises(agencies.AgencyRefused) as refused:
            agencies.update_agency(agency, webhook_url=url)
        assert str(refused.value).startswith(message)
        db.session.expire_all()
        assert get_agency("strict").webhook_url is None  # type: ignore[union-attr]


@pytest.mark.parametrize("url", ACCEPTED)
def test_a_public_webhook_url_is_accepted(app: Flask, url: str) -> None:
    with app.app_context():
        agency = agencies.update_agency(make_agency("open"), webhook_url=url)
        assert agency.webhook_url == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "https://[::1]/hook",
                                 "http://localhost/hook", "https://10.0.0.5/hook"])
def test_the_private_hosts_setting_allows_local_receivers(app: Flask, url: str) -> None:
    app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = True
    with app.app_context():
        assert agencies.update_agency(make_agency("lab"), webhook_url=url).webhook_url == url
        with pytest.raises(agencies.AgencyRefused, match="user name or password"):
            agencies.check_webhook_url("http://user:pw@127.0.0.1/hook")


def test_the_setting_is_off_unless_turned_on(app: Flask) -> None:
    assert app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] is False


def test_the_commands_refuse_a_private_webhook_and_say_so(app: Flask,
                                                          runner: FlaskCliRunner) -> None:
    create = ["create-agency", "harbour", "--name", "Harbour Home Infusion", "--phone",
              "555-0142", "--time-zone", "America/New_York"]
    result = runner.invoke(cli, [*create, "--webhook-url",
                                 "https://169.254.169.254/latest/meta-data/"])
    assert result.exit_code == 2 and result.output.startswith(f"error: {PRIVATE}")
    with app.app_context():
        assert get_agency("harbour") is None
    assert runner.invoke(cli, [*create, "--webhook-url", "https://93.184.216.34/h"]
                         ).exit_code == 0
    result = runner.invoke(cli, ["edit-agency", "harbour", "--webhook-url",
                                 "https://localhost/hook"])
    assert result.exit_code == 2 and PRIVATE in result.output
    with app.app_context():
        assert get_agency("harbour").webhook_url == "https://93.184.216.34/h"  # type: ignore[union-attr]


def test_the_agency_page_names_the_field_and_keeps_what_was_typed(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("admin@demo.test")
    response = post(client, "/staff/agency",
                    {**CHANGES, "webhook_url": "https://[::ffff:127.0.0.1]:8080/hook"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "There is a problem" in text and 'href="#webhook_url"' in text
    assert PRIVATE in text
    # Nothing else typed is lost: the other fields show the values just sent.
    assert 'value="Demo Home Health North"' in text and 'value="+1 617 555 0142"' in text
    assert 'value="https://[::ffff:127.0.0.1]:8080/hook"' in text
    assert "https://www.demo.example</textarea>" in text
    with world.app.app_context():
        agency = get_agency("demo")
        assert agency is not None and agency.name == "Demo Home Health"
        assert agency.webhook_url is None


def _deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_private_address_is_refused_when_sent_and_nothing_is_sent(
        app: Flask, receiver: Receiver) -> None:
    """A URL stored while private hosts were allowed (or before this check) is not fetched."""
    port = receiver.server.server_address[1]
    app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = True
    with app.app_context():
        submit(make_agency("literal", webhook_url=f"http://127.0.0.1:{port}/hook"))
        submit(make_agency("by-name", webhook_url=f"http://localhost:{port}/hook"))
        app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = False
        assert webhooks.deliver_due().failed == 2
        assert [(d.attempts, d.last_status, d.last_error) for d in _deliveries()] == [
            (1, None, "refused: the host is not a public address")] * 2
        assert receiver.connections == 0 and receiver.received == []
        # The same deliveries go once the setting is on again.
        app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = True
        db.session.execute(WebhookDelivery.__table__.update().values(
            next_attempt_at=WebhookDelivery.created_at))
        db.session.commit()
        assert webhooks.deliver_due().delivered == 2
    assert len(receiver.received) == 2


def test_a_name_that_later_resolves_to_a_private_address_is_refused_when_sent(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Public when set, then one public and one private answer: refused, at set and at send."""
    monkeypatch.setattr(webhook_hosts, "resolve", lambda host, port: ["93.184.216.34"])
    with app.app_context():
        agency = make_agency("mixed", webhook_url="https://hooks.mixed.example/hook")
        monkeypatch.setattr(webhook_hosts, "resolve",
                            lambda host, port: ["93.184.216.34", "127.0.0.1"])
        with pytest.raises(agencies.AgencyRefused, match="public address"):
            agencies.check_webhook_url(agency.webhook_url)
        submit(agency)
        assert webhooks.deliver_due().failed == 1
        assert _deliveries()[0].last_error == "refused: the host is not a public address"


def test_a_delivery_connects_to_the_address_it_checked(
        app: Flask, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """The name is looked up once; the request goes to that address, named in Host."""
    port = receiver.server.server_address[1]
    lookups: list[str] = []

    def resolve(host: str, _port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(webhook_hosts, "resolve", resolve)
    app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = True
    with app.app_context():
        agency = make_agency("pinned", webhook_url=f"http://hooks.pinned.test:{port}/hook")
        submit(agency)
        assert webhooks.deliver_due().delivered == 1
        secret = agency.webhook_secret
    assert lookups == ["hooks.pinned.test"]  # .test names never resolve in DNS
    got = receiver.received[0]
    assert got.headers["Host"] == f"hooks.pinned.test:{port}" and got.path == "/hook"
    assert secret and Webhook(secret).verify(got.body, dict(got.headers.items()))



def _tls_listener(tmp_path: Path, name: str) -> tuple[socket.socket, list[str | None]]:
    """Listen on 127.0.0.1 with a self-signed certificate for NAME; record each SNI name."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]),
                                  critical=False)
                   .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    names: list[str | None] = []
    context.sni_callback = lambda _socket, server_name, _context: names.append(server_name)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            try:
                context.wrap_socket(connection, server_side=True).close()
            except OSError:  # the client refuses the certificate
                pass

    threading.Thread(target=serve, daemon=True).start()
    return listener, names


def test_https_names_the_host_in_sni_and_checks_its_certificate(
        app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Connecting to the checked address still sends the name (SNI) and verifies the
    certificate against it: a self-signed one is refused."""
    listener, names = _tls_listener(tmp_path, "hooks.pinned.test")
    port = listener.getsockname()[1]
    monkeypatch.setattr(webhook_hosts, "resolve", lambda host, _port: ["127.0.0.1"])
    app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = True
    with listener, app.app_context():
        submit(make_agency("tls", webhook_url=f"https://hooks.pinned.test:{port}/hook"))
        assert webhooks.deliver_due().failed == 1
        assert _deliveries()[0].last_error == "SSLCertVerificationError"
    assert names == ["hooks.pinned.test"]
