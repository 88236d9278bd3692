"""Sign in, sign out, password change and password reset by e-mail."""

import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client

from leadflow.accounts.models import Role, User

pytestmark = pytest.mark.usefixtures("plain_http", "fast_passwords")


@pytest.fixture
def person(make_user: Callable[..., User]) -> User:
    user = make_user(Role.MANAGER)
    user.email = "pat@example.com"
    user.set_password("old-pass-4821")
    user.save()
    return user


def test_login_page_offers_password_reset(client: Client, db: None) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert '<label for="id_username">' in page
    assert 'href="/accounts/password/reset/"' in page


def test_sign_in_and_out(client: Client, person: User) -> None:
    response = client.post(
        "/accounts/login/", {"username": person.username, "password": "old-pass-4821"}
    )
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client: Client, person: User) -> None:
    response = client.post("/accounts/login/", {"username": person.username, "password": "x"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_password_change(client: Client, person: User) -> None:
    client.force_login(person)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "old-pass-4821",
            "new_password1": "brand-new-9137",
            "new_password2": "brand-new-9137",
        },
    )
    assert response["Location"] == "/accounts/password/done/"
    assert "Password changed" in client.get("/accounts/password/done/").content.decode()
    person.refresh_from_db()
    assert person.check_password("brand-new-9137")


def test_password_change_needs_sign_in(client: Client, db: None) -> None:
    response = client.get("/accounts/password/")
    assert response["Location"].startswith("/accounts/login/")


def test_password_reset_sends_a_working_link(client: Client, person: User) -> None:
    response = client.post("/accounts/password/reset/", {"email": "pat@example.com"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your LeadFlow password"
    assert message.to == ["pat@example.com"]
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body)
    assert link, message.body
    form = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "reset-pass-5512", "new_password2": "reset-pass-5512"},
    )
    assert done["Location"] == "/accounts/password/reset/complete/"
    assert "Password set" in client.get(done["Location"]).content.decode()
    person.refresh_from_db()
    assert person.check_password("reset-pass-5512")


def test_password_reset_for_an_unknown_address_sends_nothing(client: Client, db: None) -> None:
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_a_used_reset_link_no_longer_works(client: Client, person: User) -> None:
    client.post("/accounts/password/reset/", {"email": "pat@example.com"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link
    form = client.get(link.group(1), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "reset-pass-5512", "new_password2": "reset-pass-5512"},
    )
    again = client.get(link.group(1), follow=True)
    assert "This link no longer works" in again.content.decode()
