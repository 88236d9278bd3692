"""The API documentation page (/api/v1/docs): django-ninja's Swagger UI, drawn by LeadFlow's
own copy of ``ninja/swagger.html`` so that the page says its language and names itself
(axe's ``html-has-lang`` and ``document-title``) and leads back to the app."""

from pathlib import Path

import pytest
from django.test import Client

import leadflow

TEMPLATES = Path(leadflow.__file__).parent / "templates"


@pytest.fixture
def docs(db: None) -> tuple[str, list[str]]:
    response = Client().get("/api/v1/docs", secure=True)
    assert response.status_code == 200
    origins = [str(template.origin.name) for template in response.templates]
    return response.content.decode(), origins


def test_the_docs_page_is_drawn_by_our_template(docs: tuple[str, list[str]]) -> None:
    _, origins = docs
    assert origins[0] == str(TEMPLATES / "ninja" / "swagger.html")


def test_the_docs_page_says_its_language_and_names_itself(docs: tuple[str, list[str]]) -> None:
    html, _ = docs
    assert '<html lang="en">' in html
    assert "<title>LeadFlow API documentation</title>" in html


def test_the_docs_page_leads_back_to_the_app(docs: tuple[str, list[str]]) -> None:
    html, _ = docs
    assert '<a href="/">Back to LeadFlow</a>' in html


def test_the_docs_page_still_loads_swagger_from_our_static_files(
    docs: tuple[str, list[str]],
) -> None:
    html, _ = docs
    assert '<link type="text/css" rel="stylesheet" href="/static/ninja/swagger-ui.css">' in html
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in html
    assert '<script src="/static/ninja/swagger-ui-init.js"></script>' in html
    assert '<script type="application/json" id="swagger-settings">' in html
    assert '"url": "/api/v1/openapi.json"' in html
    assert "http://" not in html
    assert "https://" not in html
