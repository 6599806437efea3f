"""LHC-Forms (the NLM's FHIR form renderer, npm `lforms`) served from a static server of the
test's own, and a patient filling a Questionnaire in it through its controls.

The filling is driven by an answers file: each answer's item id is a linkId, and each coded
answer is chosen by the display the Questionnaire gives its code, as a patient picks the words
on the screen. Nothing is set through LHC-Forms' own API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ivig_home.api import fhir
from ivig_home.checklist import load
from tests.apps import QUICK_STOP
from tests.browser import PROJECT

LFORMS = PROJECT / "node_modules" / "lforms" / "dist" / "lforms"
# The page LHC-Forms' README describes: its styles, zone.js, the web component and the FHIR
# support, after the container (the web component adds itself to <body> as it loads).
PAGE = b"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>A Questionnaire in LHC-Forms</title>
<link rel="stylesheet" href="/lforms/webcomponent/styles.css">
</head>
<body>
<main><div id="formContainer"></div></main>
<script src="/lforms/webcomponent/assets/lib/zone.min.js"></script>
<script src="/lforms/webcomponent/lhc-forms.js"></script>
<script src="/lforms/fhir/R4/lformsFHIR.min.js"></script>
</body>
</html>
"""


class Handler(SimpleHTTPRequestHandler):
    """Serve the page at / and LHC-Forms' dist files under /lforms/; nothing else."""

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        if self.path in ("/", "/index.html"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
        elif self.path.startswith("/lforms/"):
            self.path = self.path.removeprefix("/lforms")
            super().do_GET()
        else:
            self.send_error(404)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep the test output quiet."""


@contextmanager
def lhc_forms_site() -> Iterator[str]:
    """Serve LHC-Forms on a free port of 127.0.0.1 in a thread; yield the page's address."""
    if not (LFORMS / "webcomponent" / "lhc-forms.js").exists():
        raise FileNotFoundError(f"{LFORMS} is missing: scripts/test installs the npm tools")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(LFORMS)))
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def show(page: Any, questionnaire: dict[str, Any]) -> None:
    """Render a Questionnaire in the page's container, replacing any form shown before."""
    page.wait_for_function("typeof window.LForms?.Util?.addFormToPage === 'function'")
    page.evaluate("""q => { document.getElementById('formContainer').replaceChildren();
                           LForms.Util.addFormToPage(q, 'formContainer', {fhirVersion: 'R4'}); }""",
                  questionnaire)
    page.locator("lhc-item").first.wait_for()


def response(page: Any) -> dict[str, Any]:
    """Return the form's answers as LHC-Forms gives them: a QuestionnaireResponse."""
    return page.evaluate(  # type: ignore[no-any-return]
        "LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4')")


def problems(page: Any) -> list[str]:
    """Return what LHC-Forms says is wrong with the form (a required item left empty...)."""
    return page.evaluate("LForms.Util.checkValidity() || []")  # type: ignore[no-any-return]


def box(page: Any, link_id: str) -> Any:
    """Return the rendered item of a linkId (its question, control and child items)."""
    return page.locator(f'lhc-item[id^="item-{link_id}/"]').first


def questions(questionnaire: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield the Questionnaire's questions in the order a patient meets them."""
    for group in questionnaire["item"]:
        yield from (item for item in group["item"] if item["type"] != "display")


def display_of(question: dict[str, Any], value: str) -> str:
    """Return the words the Questionnaire shows for one answer value of the JSON format."""
    wanted = fhir.coding(load().items[question["linkId"]], value)
    for option in question["answerOption"]:
        coding = option["valueCoding"]
        if (coding["system"], coding["code"]) == (wanted["system"], wanted["code"]):
            return str(coding["display"])
    raise LookupError(f"{question['linkId']}: no answer option has the code of '{value}'")


def fill(page: Any, questionnaire: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    """Answer every question the answers file answers, in the form's order, through the
    rendered controls; return the linkIds answered. A question the answers name that the form
    does not show (an enableWhen that failed) makes the locator time out."""
    answered = []
    for question in questions(questionnaire):
        link_id = question["linkId"]
        if link_id in answers:
            answer(page, question, answers[link_id])
            answered.append(link_id)
    return answered


def answer(page: Any, question: dict[str, Any], value: Any) -> None:
    """Give one answer with the control LHC-Forms renders for the question's type."""
    item = box(page, question["linkId"])
    kind = question["type"]
    if kind == "choice":
        values = (value or [fhir.NONE_CODE]) if question.get("repeats") else [value]
        for one in values:
            choose(item, question, display_of(question, str(one)))
    elif kind == "boolean":
        item.get_by_text("Yes" if value else "No", exact=True).click()
    elif kind == "date":
        day = date.fromisoformat(value)
        item.locator("nz-date-picker input").click()
        page.keyboard.type(day.strftime("%m/%d/%Y"))
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
    else:  # integer, string and text: the patient types
        item.locator(f'[id^="{question["linkId"]}/"]').click()
        page.keyboard.type(str(value))
        page.keyboard.press("Tab")


def choose(item: Any, question: dict[str, Any], display: str) -> None:
    """Choose an answer by its words: a tap on the radio button or check box the
    Questionnaire asks for (LHC-Forms would otherwise show a drop-down list)."""
    if control_of(question) not in ("radio-button", "check-box"):
        raise AssertionError(f"{question['linkId']}: the Questionnaire asks for no buttons")
    item.get_by_text(display, exact=True).click()


def control_of(question: dict[str, Any]) -> str | None:
    """Return the item control the Questionnaire asks for (radio-button, check-box...)."""
    for extension in question.get("extension", []):
        if extension["url"].endswith("/questionnaire-itemControl"):
            return str(extension["valueCodeableConcept"]["coding"][0]["code"])
    return None
