"""The nurture pages: who may see and edit sequences, building one (settings, touches, order,
content with merge fields), the preview with a real lead's data, the leads in a sequence, and
what another client's marketer gets (nothing: 404)."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.leads.models import Lead
from leadflow.nurture.models import OnEnd, Sequence, Touch, TouchKind
from leadflow.nurture.services import leads_enrol
from leadflow.programs.models import Program
from tests.factories import NOW, Team
from tests.nurture.conftest import build_sequence

pytestmark = pytest.mark.usefixtures("plain_http")


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture
def foreign_marketer(other_program: Program, make_user: Callable[..., User]) -> User:
    """A marketer of another client (Globex): sees none of Acme's nurture."""
    return make_user(Role.MARKETER, clients=(other_program.client,))


def sequence_urls(sequence: Sequence) -> list[str]:
    touch = sequence.touches.order_by("position").first()
    assert touch is not None
    base = f"/nurture/{sequence.pk}"
    return [
        f"{base}/",
        f"{base}/settings",
        f"{base}/touches/new",
        f"{base}/touches/{touch.pk}/",
        f"{base}/touches/{touch.pk}/preview",
        f"{base}/leads",
        f"{base}/mailing-list",
        f"{base}/mailing-list.csv",
        f"{base}/mailing-list.xlsx",
    ]


def test_anonymous_is_sent_to_sign_in(client: Client, db: None) -> None:
    response = client.get("/nurture/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/nurture/")


@pytest.mark.parametrize("role", ["qualifier", "reviewer", "client_contact", "partner"])
def test_roles_that_do_not_run_nurture_may_not_see_or_edit_sequences(
    client: Client, team: Team, sequence: Sequence, role: str
) -> None:
    client.force_login(getattr(team, role))
    for url in ["/nurture/", "/nurture/new", *sequence_urls(sequence)]:
        assert client.get(url).status_code == 403, url
    touch = sequence.touches.first()
    assert touch is not None
    edit = {"kind": "email", "wait_days": 0, "subject": "Hacked", "body_text": "Hacked"}
    assert client.post(f"/nurture/{sequence.pk}/touches/{touch.pk}/", edit).status_code == 403
    assert client.post(f"/nurture/{sequence.pk}/touches/new", edit).status_code == 403
    touch.refresh_from_db()
    assert touch.subject != "Hacked"
    assert sequence.touches.count() == 4


@pytest.mark.parametrize("role", ["manager", "marketer"])
def test_managers_and_marketers_see_their_programs_sequences(
    client: Client, team: Team, sequence: Sequence, role: str
) -> None:
    client.force_login(getattr(team, role))
    page = text(client.get("/nurture/"))
    assert f'href="/nurture/{sequence.pk}/"' in page
    assert "Keep warm" in page
    assert "Acme Demand Gen" in page
    for url in sequence_urls(sequence):
        assert client.get(url).status_code == 200, url


def test_a_marketer_of_another_client_sees_nothing_of_it(
    client: Client,
    foreign_marketer: User,
    sequence: Sequence,
    nurtured: Callable[..., Lead],
    team: Team,
    other_program: Program,
) -> None:
    lead = nurtured(first_name="Ada")
    leads_enrol(leads=[lead], sequence=sequence, actor=team.marketer, now=NOW)
    client.force_login(foreign_marketer)
    page = text(client.get("/nurture/"))
    assert "Keep warm" not in page
    for url in sequence_urls(sequence):
        assert client.get(url).status_code == 404, url
    touch = sequence.touches.first()
    assert touch is not None
    edit = {"kind": "email", "wait_days": 0, "subject": "Hacked", "body_text": "Hacked"}
    assert client.post(f"/nurture/{sequence.pk}/touches/{touch.pk}/", edit).status_code == 404
    assert client.post(f"/nurture/{sequence.pk}/touches/{touch.pk}/delete").status_code == 404
    assert client.post(f"/nurture/{sequence.pk}/mailing-list/export").status_code == 404
    assert client.post(f"/nurture/leads/{lead.pk}/responded").status_code == 404
    assert client.post(f"/nurture/leads/{lead.pk}/leave").status_code == 404
    # Picking another client's lead on the list enrols nothing.
    own = build_sequence(other_program, slug="globex")
    response = client.post(
        "/nurture/enrol", {"lead": [lead.pk], "sequence": own.pk, "confirm": "on"}
    )
    assert response.status_code == 302
    assert lead.nurture_enrollments.get().sequence == sequence
    touch.refresh_from_db()
    assert touch.subject != "Hacked"


def test_a_marketer_creates_a_sequence_for_a_program_of_their_scope(
    client: Client, team: Team, program: Program, other_program: Program
) -> None:
    client.force_login(team.marketer)
    page = text(client.get("/nurture/new"))
    assert "Acme Demand Gen" in page
    assert "Globex Partners" not in page
    refused = client.post(
        "/nurture/new", {"program": other_program.pk, "name": "Mine", "on_end": "dead_file"}
    )
    assert refused.status_code == 400
    assert not Sequence.objects.exists()
    response = client.post(
        "/nurture/new",
        {
            "program": program.pk,
            "name": "Spring follow-up",
            "is_default": "on",
            "on_end": "dead_file",
        },
    )
    sequence = Sequence.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/nurture/{sequence.pk}/"
    assert (sequence.program, sequence.slug, sequence.is_default) == (
        program,
        "spring-follow-up",
        True,
    )
    again = client.post(
        "/nurture/new", {"program": program.pk, "name": "Spring follow-up", "on_end": "dead_file"}
    )
    assert again.status_code == 302
    assert Sequence.objects.filter(slug="spring-follow-up-2").exists()


def test_the_settings_say_where_leads_go_after_the_last_touch(
    client: Client, team: Team, sequence: Sequence, program: Program
) -> None:
    long_term = build_sequence(program, slug="long-term", default=False)
    client.force_login(team.manager)
    url = f"/nurture/{sequence.pk}/settings"
    missing = client.post(url, {"name": "Keep warm", "on_end": "long_term"})
    assert missing.status_code == 400
    assert "Choose the long-term sequence." in text(missing)
    response = client.post(
        url,
        {"name": "Keep warm", "on_end": "long_term", "long_term_sequence": long_term.pk},
    )
    assert response.status_code == 302
    sequence.refresh_from_db()
    assert (sequence.on_end, sequence.long_term_sequence) == (OnEnd.LONG_TERM, long_term)
    page = text(client.get(f"/nurture/{sequence.pk}/"))
    assert "Continue with a long-term sequence" in page
    assert f'href="/nurture/{long_term.pk}/"' in page


def test_touches_are_added_edited_reordered_and_removed(
    client: Client, team: Team, sequence: Sequence
) -> None:
    client.force_login(team.marketer)
    base = f"/nurture/{sequence.pk}"
    added = client.post(
        f"{base}/touches/new",
        {"kind": "call", "wait_days": 5, "call_script": "Ask about the new budget."},
    )
    assert added.status_code == 302
    touches = list(sequence.touches.order_by("position"))
    assert [(t.kind, t.wait_days) for t in touches] == [
        ("email", 0),
        ("call", 3),
        ("direct_mail", 10),
        ("email", 20),
        ("call", 5),
    ]
    last = touches[-1]
    client.post(f"{base}/touches/{last.pk}/move", {"offset": "-1"})
    assert list(sequence.touches.order_by("position").values_list("pk", flat=True))[3] == last.pk
    edited = client.post(
        f"{base}/touches/{last.pk}/",
        {"kind": "email", "wait_days": 2, "subject": "Hello {{ first_name }}", "body_text": "Hi"},
    )
    assert edited.status_code == 302
    last.refresh_from_db()
    assert (last.kind, last.wait_days, last.subject) == ("email", 2, "Hello {{ first_name }}")
    removed = client.post(f"{base}/touches/{last.pk}/delete")
    assert removed.status_code == 302
    assert not Touch.objects.filter(pk=last.pk).exists()
    page = text(client.get(f"{base}/"))
    assert "Touch 4 removed" in page
    assert "On entry" in page
    assert "3 working days later" in page
    assert "Telesales call" in page


def test_a_touch_with_missing_or_broken_content_is_refused_with_the_reason(
    client: Client, team: Team, sequence: Sequence
) -> None:
    client.force_login(team.marketer)
    url = f"/nurture/{sequence.pk}/touches/new"
    no_subject = client.post(url, {"kind": "email", "wait_days": 0, "body_text": "Hi"})
    assert no_subject.status_code == 400
    assert "An e-mail needs a subject." in text(no_subject)
    broken = client.post(
        url, {"kind": "email", "wait_days": 0, "subject": "Hi", "body_text": "{% include 'x' %}"}
    )
    assert broken.status_code == 400
    assert "cannot be used in a nurture e-mail" in text(broken)
    no_script = client.post(url, {"kind": "call", "wait_days": 1})
    assert no_script.status_code == 400
    assert "A call task needs a script for the caller." in text(no_script)
    negative = client.post(url, {"kind": "direct_mail", "wait_days": -1})
    assert negative.status_code == 400
    assert sequence.touches.count() == 4


def test_the_preview_shows_the_email_with_a_real_leads_data_escaped(
    client: Client,
    team: Team,
    sequence: Sequence,
    make_lead: Callable[..., Lead],
    program: Program,
    leads: object,
) -> None:
    lead = make_lead(
        program, first_name="<b>Ada</b>", company="Engines & Co", email="ada@x.example"
    )
    client.force_login(team.marketer)
    touch = sequence.touches.order_by("position").first()
    assert touch is not None
    page = text(client.get(f"/nurture/{sequence.pk}/touches/{touch.pk}/preview?lead={lead.pk}"))
    assert "Hi &lt;b&gt;Ada&lt;/b&gt;" in page  # the subject, escaped on the page
    assert "<b>Ada</b>" not in page
    assert "Engines &amp; Co might like our guide" in page
    assert 'sandbox srcdoc="' in page
    # Without a lead chosen, a lead of the program is shown; never one of another program.
    assert client.get(f"/nurture/{sequence.pk}/touches/{touch.pk}/preview").status_code == 200
    foreign = leads.foreign  # type: ignore[attr-defined]
    other = client.get(f"/nurture/{sequence.pk}/touches/{touch.pk}/preview?lead={foreign.pk}")
    assert other.status_code == 404
    call = sequence.touches.get(kind=TouchKind.CALL)
    assert client.get(f"/nurture/{sequence.pk}/touches/{call.pk}/preview").status_code == 404


def test_a_touch_of_another_sequence_is_not_found_under_this_one(
    client: Client, team: Team, sequence: Sequence, program: Program
) -> None:
    other = build_sequence(program, slug="other", default=False)
    touch = other.touches.first()
    assert touch is not None
    client.force_login(team.marketer)
    assert client.get(f"/nurture/{sequence.pk}/touches/{touch.pk}/").status_code == 404


def test_the_leads_of_a_sequence_are_listed_with_how_far_they_got(
    client: Client, team: Team, sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured(first_name="Katherine", last_name="Johnson")
    leads_enrol(leads=[lead], sequence=sequence, actor=team.marketer, now=NOW)
    client.force_login(team.marketer)
    page = text(client.get(f"/nurture/{sequence.pk}/leads"))
    assert "Katherine Johnson" in page
    assert "0 of 4" in page
    assert "E-mail on" in page
    assert "No leads here." in text(client.get(f"/nurture/{sequence.pk}/leads?state=left"))


def test_the_navigation_offers_nurture_to_marketing_only(client: Client, team: Team) -> None:
    client.force_login(team.marketer)
    assert 'href="/nurture/"' in text(client.get("/leads/"))
    client.force_login(team.qualifier)
    assert 'href="/nurture/"' not in text(client.get("/leads/"))


def test_a_sequence_is_deleted_only_while_no_lead_was_ever_in_it(
    client: Client,
    team: Team,
    sequence: Sequence,
    program: Program,
    nurtured: Callable[..., Lead],
) -> None:
    unused = build_sequence(program, slug="unused", default=False)
    leads_enrol(leads=[nurtured()], sequence=sequence, actor=team.marketer, now=NOW)
    client.force_login(team.marketer)
    refused = client.post(f"/nurture/{sequence.pk}/delete")
    assert refused["Location"] == f"/nurture/{sequence.pk}/settings"
    assert "Not deleted: Leads have been in this sequence" in text(client.get(refused["Location"]))
    assert client.post(f"/nurture/{unused.pk}/delete")["Location"] == "/nurture/"
    assert list(Sequence.objects.all()) == [sequence]
    client.force_login(team.qualifier)
    assert client.post(f"/nurture/{sequence.pk}/delete").status_code == 403


def test_a_program_gets_its_sending_settings_from_marketing(
    client: Client, team: Team, program: Program, other_program: Program
) -> None:
    client.force_login(team.marketer)
    index = text(client.get("/nurture/"))
    assert "at most 60 e-mails a minute" in index
    url = f"/nurture/programs/{program.slug}/sending"
    bad = client.post(url, {"per_minute": 0, "subdivision": ""})
    assert bad.status_code == 400
    unknown = client.post(url, {"per_minute": 30, "subdivision": "ZZ"})
    assert unknown.status_code == 400
    assert client.post(url, {"per_minute": 30, "subdivision": "ny"}).status_code == 302
    assert "at most 30 e-mails a minute, holidays of US-NY" in text(client.get("/nurture/"))
    assert client.get(f"/nurture/programs/{other_program.slug}/sending").status_code == 404
    client.force_login(team.qualifier)
    assert client.get(url).status_code == 403
