"""The pages' error mapping: not in scope is 404, a refused step 409, a bad field 400 — a page
of the app for a browser, the message alone for HTMX; the API and other errors are left alone."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User

pytestmark = [pytest.mark.urls("tests.lib.urls"), pytest.mark.usefixtures("plain_http")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def browser(client: Client, make_user: Callable[..., User]) -> Client:
    client.force_login(make_user(Role.MANAGER))
    return client


def test_an_object_out_of_scope_is_a_404_page_of_the_app(browser: Client) -> None:
    response = browser.get("/errors/missing/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "No such program." in page
    assert '<nav aria-label="Main">' in page


def test_a_refused_step_is_a_409_page_with_the_reason(browser: Client) -> None:
    response = browser.post("/errors/refused/")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Nothing changed: a lead that is claimed cannot claim." in page
    assert '<nav aria-label="Main">' in page


def test_a_bad_field_is_a_400_page_naming_the_field(browser: Client) -> None:
    response = browser.post("/errors/bad-input/")
    assert response.status_code == 400
    assert "note: say why in the note" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/errors/missing/", 404, "No such program."),
        ("/errors/refused/", 409, "Nothing changed: a lead that is claimed cannot claim."),
        ("/errors/bad-input/", 400, "note: say why in the note"),
    ],
)
def test_htmx_gets_the_message_alone(browser: Client, url: str, status: int, message: str) -> None:
    response = browser.post(url, **HTMX)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.content.decode() == f'<p class="error" role="alert">{message}</p>'


def test_other_domain_errors_are_not_mapped(browser: Client) -> None:
    browser.raise_request_exception = False
    assert browser.get("/errors/other/").status_code == 500


def test_the_api_is_left_to_its_own_handlers(browser: Client) -> None:
    browser.raise_request_exception = False
    assert browser.get("/api/v1/errors/missing/").status_code == 500


def test_an_htmx_history_restore_gets_the_whole_page(browser: Client) -> None:
    response = browser.get(
        "/errors/missing/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert response.status_code == 404
    assert '<nav aria-label="Main">' in response.content.decode()


def test_a_product_page_out_of_scope_is_the_404_page(browser: Client) -> None:
    response = browser.get("/deliveries/999999/")
    assert response.status_code == 404
    assert "No such delivery." in response.content.decode()
