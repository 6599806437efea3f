"""The second yardstick for bench/load.py: the least a step page can do on ivig_home's stack.

Served by gunicorn with the same gunicorn.conf.py as ivig_home and driven like its step
pages (bench/journeys.py, FloorWalker): a draft is started, then each of seven steps is
opened (GET) and answered (POST, then 303 to the next step), as fast as the app answers.

Each step does only what any step page on Flask, WTForms, Jinja and SQLAlchemy must do:
read the draft by its key (one SELECT), build a WTForms form with a form token bound to
the draft, render a Jinja template (compiled once) of about the size of a checklist step
with three questions, and on a post check the token and the answers, then store them
(one UPDATE, committed) and redirect. The database is SQLite in WAL mode with synchronous
FULL, as ivig_home's own SQLite default.

It leaves out everything else ivig_home does on a step: no encryption of the answers, no
checklist rules, no help-now checks, no translations, no rate limiter, no security headers,
no request log, no autosave version. So its throughput is an upper bound for a step page
on this stack and this machine, under the same load generator.

With IVIG_BENCH_FLOOR_REQUIRED=1 it also does, with ivig_home's own code, the three things
every ivig_home step must do whatever its checklist: the security headers on the response
(ivig_home.security), one request log line (ivig_home.logs), and the answers encrypted
at rest (ivig_home.crypto's AES-GCM keyring, the draft's id bound to the ciphertext).

Environment: IVIG_BENCH_FLOOR_DB, the SQLite file (made if missing);
IVIG_BENCH_FLOOR_REQUIRED=1 for the second form.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from typing import Any

from flask import Flask, abort, redirect, request
from sqlalchemy import create_engine, event, text
from wtforms import Form, RadioField
from wtforms.csrf.core import CSRF
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

STEPS = 7
REQUIRED = os.environ.get("IVIG_BENCH_FLOOR_REQUIRED") == "1"
SECRET = secrets.token_bytes(32)
CHOICES = [SelectChoice("yes", "Yes"), SelectChoice("no", "No"),
           SelectChoice("not_sure", "I am not sure")]
ROW = ("<p class=\"hint\">A line of explanation, the same on every request, about as long "
       "as a hint under a question.</p>\n")
PAGE = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Step {{ number }} of {{ total }}</title></head><body><main>"
        "<h1>Step {{ number }} of {{ total }}</h1>"
        "<form method=\"post\" action=\"{{ action }}\">{{ form.csrf_token() }}"
        "{% for field in form if field.name != 'csrf_token' %}<fieldset>"
        "<legend>{{ field.label.text }}</legend>"
        "{% for choice in field.choices %}<div class=\"radio\">"
        "<input type=\"radio\" name=\"{{ field.name }}\" "
        "id=\"{{ field.name }}-{{ choice.value }}\" "
        "value=\"{{ choice.value }}\"{% if field.data == choice.value %} checked{% endif %}>"
        "<label for=\"{{ field.name }}-{{ choice.value }}\">{{ choice.label }}</label></div>"
        "{% endfor %}"
        "{% if field.errors %}<p class=\"error\">{{ field.errors[0] }}</p>{% endif %}"
        "</fieldset>{% endfor %}<button name=\"action\" value=\"continue\">Continue</button>"
        "</form>\n" + ROW * 90 + "</main></body></html>\n")


class DraftCSRF(CSRF):
    """A form token bound to the draft, as ivig_home's step forms have."""

    def setup_form(self, form: Form) -> Any:
        self.draft_id = str(form.meta.csrf_context)
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        return hmac.new(SECRET, self.draft_id.encode(), hashlib.sha256).hexdigest()

    def validate_csrf_token(self, form: Form, field: Any) -> None:
        if not hmac.compare_digest(str(field.data or ""), self.generate_csrf_token(field)):
            raise ValidationError("The form token is wrong.")


class StepForm(Form):
    """Three questions with fixed answers."""

    class Meta:
        csrf = True
        csrf_class = DraftCSRF

    first = RadioField("Have you had an infusion before?", choices=CHOICES,
                       validators=[InputRequired()])
    second = RadioField("Was the last one without problems?", choices=CHOICES,
                        validators=[InputRequired()])
    third = RadioField("Can you check your temperature?", choices=CHOICES,
                       validators=[InputRequired()])


engine = create_engine(
    "sqlite:///" + os.environ.get("IVIG_BENCH_FLOOR_DB", "floor.sqlite"))


@event.listens_for(engine, "connect")
def _settings(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


with engine.begin() as setup:
    setup.execute(text("CREATE TABLE IF NOT EXISTS drafts "
                       "(id VARCHAR(64) PRIMARY KEY, step INTEGER, answers BLOB)"))
engine.dispose()

READ = text("SELECT answers FROM drafts WHERE id = :id")
WRITE = text("UPDATE drafts SET answers = :answers, step = :step WHERE id = :id")
START = text("INSERT INTO drafts (id, step, answers) VALUES (:id, 1, :answers)")

app = Flask(__name__)
template = app.jinja_env.from_string(PAGE)
app.dispose_connections = engine.dispose  # type: ignore[attr-defined]  # gunicorn post_fork

if REQUIRED:
    from ivig_home import logs, security
    from ivig_home.crypto import Keyring, new_key

    app.config["FORCE_HTTPS"] = False
    security.init_app(app)
    logs.init_app(app)
    keyring = Keyring([new_key()])


def pack(answers: dict[str, Any], draft_id: str) -> str | bytes:
    """Return the answers as stored: JSON, sealed when IVIG_BENCH_FLOOR_REQUIRED=1."""
    plain = json.dumps(answers)
    return keyring.seal(plain.encode(), f"drafts.answers:{draft_id}") if REQUIRED else plain


def unpack(stored: str | bytes, draft_id: str) -> dict[str, Any]:
    """Return the stored answers."""
    if REQUIRED:
        stored = keyring.open(bytes(stored), f"drafts.answers:{draft_id}")
    return dict(json.loads(stored))


@app.get("/")
def ready() -> str:
    """Answer the harness's start-up check."""
    return "ready"


@app.post("/start")
def start() -> Any:
    """Open a new, empty draft."""
    draft_id = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(START, {"id": draft_id, "answers": pack({}, draft_id)})
    return redirect(f"/d/{draft_id}/1", 303)


@app.route("/d/<draft_id>/<int:number>", methods=["GET", "POST"])
def step(draft_id: str, number: int) -> Any:
    """Show a step, or check and store its answers and go to the next step."""
    if not 1 <= number <= STEPS:
        abort(404)
    with engine.connect() as connection:
        stored = connection.execute(READ, {"id": draft_id}).scalar()
        if stored is None:
            abort(404)
        kept = unpack(stored, draft_id)
        posted = request.method == "POST"
        form = StepForm(request.form if posted else None, data=kept.get(str(number), {}),
                        meta={"csrf_context": draft_id})
        if posted and form.validate():
            kept[str(number)] = {name: form[name].data for name in ("first", "second", "third")}
            connection.execute(WRITE, {"answers": pack(kept, draft_id), "step": number + 1,
                                       "id": draft_id})
            connection.commit()
            return redirect(f"/d/{draft_id}/{number % STEPS + 1}", 303)
    page = template.render(form=form, number=number, total=STEPS,
                           action=f"/d/{draft_id}/{number}")
    return (page, 400) if posted else page
