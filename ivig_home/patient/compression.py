"""The patient's pages are sent compressed; the care team's pages and the API are not.

Compressing a page that holds a secret next to text an attacker chooses lets an attacker who
sees the sizes of encrypted responses, and can make the browser ask again and again, guess
the secret a character at a time (BREACH). A patient page holds no secret the attacker does
not already have: the draft's pages are found only through their URL, whose random draft id
is the key (and the CSRF token is derived from it), and the start and resume forms' token is
the same for everyone who asks. A care-team page holds patient data and the session's CSRF
token beside the queue's search words, so it goes uncompressed, and so does the API.
See docs/decisions/0019-compress-what-holds-no-secret.md.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

from ivig_home.patient.views import EMBEDDED, bp

PATIENT_BLUEPRINTS = {bp.name, EMBEDDED}


def init_app(app: Flask) -> None:
    """Compress the patient pages' HTML (and an agency's theme.css) for browsers that ask."""
    app.config.setdefault("COMPRESS_REGISTER", False)  # not every response: only these
    compression = Compress(app)

    def compress_patient_page(response: Response) -> Response:
        if request.blueprint in PATIENT_BLUEPRINTS:
            return compression.after_request(response)
        return response

    app.after_request(compress_patient_page)
