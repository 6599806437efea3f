"""Odd keys in URLs (a NUL byte, overlong ids, other scripts) are 'not found' on every database."""

from __future__ import annotations

import pytest
from flask import Flask

from ivig_home.agencies import api_tokens as tokens
from ivig_home.agencies.registry import ensure_demo_agency

ODD = ["%00", "a%00b", "%C3%A9t%C3%A9", "x" * 300]
PAGES = ["/a/demo/d/{key}/about", "/embed/demo/d/{key}/about", "/a/demo/d/{key}/summary.pdf",
         "/a/{key}/", "/embed/{key}/", "/a/{key}/logo", "/api/v1/submissions/{key}",
         "/api/v1/submissions/{key}/fhir"]


@pytest.mark.parametrize("page", PAGES)
def test_an_odd_key_in_a_url_is_not_found(db_app: Flask, page: str) -> None:
    token = tokens.create_token(ensure_demo_agency())[1]
    client = db_app.test_client()
    for key in ODD:
        response = client.get(page.format(key=key), headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404, (page, key)
