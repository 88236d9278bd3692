"""Web-to-lead: the Salesforce field mapping, the public form, and its spam defences."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import Client
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import QualifyingCriteria, Question, QuestionType, default_criteria
from leadflow.core.enums import Channel, InquiryType
from leadflow.intake.models import FormThrottle
from leadflow.intake.throttle import throttle_hit
from leadflow.intake.webforms.posted import return_url, submission_from
from leadflow.leads.models import Lead, LeadEvent
from leadflow.programs.models import Program
from leadflow.programs.services import criteria_publish
from tests.conftest import NOW
from tests.vocabularies import PERSON, SAMPLES, contact_of

QUESTIONS = default_criteria().questions

FORM = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "Ada@Example.com",
    "company": "Analytical Engines",
    "phone": "415 555 0100",
    "country": "US",
    "state": "CA",
    "zip": "94105",
    "description": "We need a demo.",
    "lead_source": "Webinar",
    "campaign": "SPRING-26",
    "budget": "approved",
    "authority": "decision_maker",
    "need": "established",
    "timeframe_months": "2",
}


def submit_url(program: Program) -> str:
    return f"/forms/{program.slug}/submit"


# --- the mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "channel"),
    [
        ("Web", Channel.WEB),
        ("website", Channel.WEB),
        ("Online Form", Channel.WEB),
        ("Trade Show", Channel.EVENT),
        ("Seminar", Channel.EVENT),
        ("Webinar", Channel.EVENT),
        ("Purchased List", Channel.PURCHASED_LIST),
        ("Partner", Channel.REFERRAL),
        ("Employee Referral", Channel.REFERRAL),
        ("Customer  Referral", Channel.REFERRAL),
        ("Advertisement", Channel.PRINT_ADVERTISEMENT),
        ("Print", Channel.PRINT_ADVERTISEMENT),
        ("Direct Mail", Channel.DIRECT_MAIL),
        ("PR", Channel.PUBLIC_RELATIONS),
        ("Public Relations", Channel.PUBLIC_RELATIONS),
        ("Cold Call", Channel.SALES_PROSPECTING),
        ("Sales", Channel.SALES_PROSPECTING),
        ("Phone Inquiry", Channel.OTHER),
        ("", Channel.WEB),
    ],
)
def test_lead_source_names_a_channel(source: str, channel: Channel) -> None:
    submission = submission_from({"email": "a@b.co", "lead_source": source}, QUESTIONS)
    assert submission.channel is channel


def test_an_unknown_lead_source_is_other_and_kept_as_source_detail() -> None:
    submission = submission_from({"email": "a@b.co", "lead_source": "Podcast"}, QUESTIONS)
    assert submission.channel == Channel.OTHER
    assert submission.profile == {"source_detail": "Podcast"}


def test_the_channels_own_name_is_not_repeated_as_source_detail() -> None:
    submission = submission_from({"email": "a@b.co", "lead_source": "Web"}, QUESTIONS)
    assert (submission.channel, submission.profile) == (Channel.WEB, {})


def test_without_a_lead_source_the_channel_is_web() -> None:
    assert submission_from({"email": "a@b.co"}, QUESTIONS).channel == Channel.WEB


def test_salesforce_names_map_to_the_lead_and_the_rest_to_the_profile() -> None:
    submission = submission_from(
        {
            **FORM,
            "zip": "94105",
            "URL": "https://analytical.example",
            "Campaign_ID": "C-2",
            "employees": "51-200",
            "industry": "Software",
            "external_id": " crm-9 ",
            "inquiry_type": "demo_request",
            "city": "San Francisco",
            "need": "",
            "retURL": "https://example.com/thanks",
            "leadflow_hp": "",
            "oid": "00D000000000001",
        },
        QUESTIONS,
    )
    raw = submission.raw
    assert (raw.postal_code, raw.state, raw.website) == (
        "94105",
        "CA",
        "https://analytical.example",
    )
    assert (submission.channel, submission.campaign) == (Channel.EVENT, "SPRING-26")
    assert submission.inquiry_type == InquiryType.DEMO_REQUEST
    assert (submission.company_size, submission.industry) == ("51-200", "Software")
    assert submission.external_id == "crm-9"
    assert submission.answers == {
        "budget": "approved",
        "authority": "decision_maker",
        "timeframe_months": 2,
    }
    assert raw.city == "San Francisco"
    assert submission.profile == {
        "description": "We need a demo.",
        "source_detail": "Webinar",
        "Campaign_ID": "C-2",
    }


def test_campaign_id_and_website_are_accepted_as_alternatives() -> None:
    submission = submission_from(
        {"email": "a@b.co", "Campaign_ID": "C-1", "website": "b.co"}, QUESTIONS
    )
    assert (submission.campaign, submission.raw.website) == ("C-1", "b.co")


def test_a_question_named_like_a_contact_field_is_posted_with_a_prefix() -> None:
    question = Question(key="title", label="Title of the project", type=QuestionType.TEXT)
    submission = submission_from({"title": "CTO", "answer_title": "Data lake"}, [question])
    assert (submission.raw.title, submission.answers) == ("CTO", {"title": "Data lake"})


def test_a_question_named_like_a_header_alias_is_an_answer() -> None:
    question = Question(key="source", label="Where did you hear of us?", type=QuestionType.TEXT)
    submission = submission_from({"email": "a@b.co", "source": "A podcast"}, [question])
    assert (submission.channel, submission.answers) == (Channel.WEB, {"source": "A podcast"})


def test_aliases_of_one_field_take_the_first_non_empty_and_keep_the_rest() -> None:
    submission = submission_from(
        {"email_work": "", "email_home": "ada@home.example", "Email": "ada@other.example"},
        QUESTIONS,
    )
    assert submission.raw.email == "ada@home.example"
    assert submission.profile == {"Email": "ada@other.example"}


def test_only_external_id_names_the_external_id_on_a_form() -> None:
    submission = submission_from(
        {"email": "a@b.co", "Id": "form-7", "hs_object_id": "1"}, QUESTIONS
    )
    assert submission.external_id is None
    assert submission.profile == {"Id": "form-7", "hs_object_id": "1"}


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://www.acme.example/thanks", True),
        ("http://WWW.ACME.example:8080/thanks?x=1", True),
        ("https://evil.example/thanks", False),
        ("https://www.acme.example.evil.example/", False),
        ("https://www.acme.example@evil.example/", False),
        ("https://evil.example\\@www.acme.example/", False),
        ("javascript://www.acme.example/%0aalert(1)", False),
        ("//www.acme.example/thanks", False),
        ("/thanks", False),
    ],
)
def test_return_url_must_be_http_to_an_allowed_host(url: str, allowed: bool) -> None:
    assert (return_url(url, ["www.acme.example"]) == url) is allowed


# --- the form page ----------------------------------------------------------------------------


def test_the_form_asks_the_programs_questions_in_plain_public_words(
    client: Client, program: Program
) -> None:
    response = client.get(f"/forms/{program.slug}/?campaign=SPRING")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_budget">Is there a budget for this?' in html
    assert '<select id="id_budget" name="budget"' in html
    assert '<option value="decision_maker">I make the decision</option>' in html
    assert '<label for="id_timeframe_months">In how many months do you plan to decide?' in html
    visible = html.split('<form id="webform"')[1]
    for jargon in ("BANT", "Authority", "Decision maker", "Specifier", "Influencer"):
        assert jargon not in visible, jargon
    assert 'type="number"' in html
    assert 'aria-describedby="id_timeframe_months_help"' in html
    assert '<input type="hidden" name="campaign" value="SPRING">' in html
    assert 'name="leadflow_hp"' in html
    assert "X-Frame-Options" not in response.headers


def test_the_form_uses_the_public_wording_the_program_gave_a_question(
    client: Client, program: Program, now: object
) -> None:
    data = default_criteria().model_dump(mode="json")
    data["questions"][1]["public_label"] = "Who signs off on this purchase?"
    criteria_publish(
        program=program, criteria=QualifyingCriteria.from_dict(data), actor=None, now=now
    )
    html = client.get(f"/forms/{program.slug}/").content.decode()
    assert '<label for="id_authority">Who signs off on this purchase?' in html


def test_the_form_renders_every_question_type_and_marks_required_ones(
    client: Client, program: Program, now: object
) -> None:
    criteria = default_criteria()
    extra = (
        Question(key="go_live", label="Go-live date", type=QuestionType.DATE, required=True),
        Question(key="stack", label="Current tools", type=QuestionType.TEXT, help_text="Briefly"),
    )
    criteria_publish(
        program=program,
        criteria=criteria.model_copy(update={"questions": (*criteria.questions, *extra)}),
        actor=None,
        now=NOW,
    )
    html = client.get(f"/forms/{program.slug}/").content.decode()
    assert 'type="date"' in html
    assert 'name="go_live" type="date" value="" required aria-required="true"' in html
    assert '<textarea id="id_stack" name="stack" rows="4" aria-describedby="id_stack_help">' in html


def test_the_staff_pages_keep_their_frame_protection(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MARKETER, programs=(program,)))
    response = client.get(f"/forms/{program.slug}/embed/")
    assert response.headers["X-Frame-Options"] == "DENY"


# --- submitting -------------------------------------------------------------------------------


def test_a_submission_creates_a_qualified_lead(client: Client, program: Program) -> None:
    response = client.post(submit_url(program), FORM)
    assert response.status_code == 200
    assert b"Thank you" in response.content
    lead = Lead.objects.get()
    assert (lead.program, lead.channel, lead.campaign) == (program, "event", "SPRING-26")
    assert (lead.email, lead.phone, lead.subdivision) == ("ada@example.com", "+14155550100", "CA")
    assert lead.answers["timeframe_months"] == 2
    assert (lead.stage, lead.rating) == ("qualified_opportunity", "hot")
    assert lead.profile == {"description": "We need a demo.", "source_detail": "Webinar"}


def test_a_second_submission_of_the_same_person_merges(client: Client, program: Program) -> None:
    client.post(submit_url(program), FORM)
    client.post(submit_url(program), {"email": "ada@example.com", "need": "identified"})
    lead = Lead.objects.get()
    assert lead.answers["need"] == "identified"


def test_an_allowed_return_url_is_redirected_to(client: Client, program: Program) -> None:
    program.web_form_allowed_hosts = ["www.acme.example"]
    program.save()
    response = client.post(
        submit_url(program), {**FORM, "retURL": "https://www.acme.example/thanks"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "https://www.acme.example/thanks"
    assert Lead.objects.count() == 1


def test_a_return_url_to_another_host_is_not_followed(
    client: Client, program: Program, caplog: pytest.LogCaptureFixture
) -> None:
    program.web_form_allowed_hosts = ["www.acme.example"]
    program.save()
    response = client.post(submit_url(program), {**FORM, "retURL": "https://evil.example/"})
    assert response.status_code == 200
    assert b"Thank you" in response.content
    assert Lead.objects.count() == 1
    assert "not an allowed host" in caplog.text


def test_errors_are_shown_next_to_their_fields_and_nothing_is_written(
    client: Client, program: Program
) -> None:
    unreachable = {**FORM, "email": "ada@", "phone": "", "company": ""}
    response = client.post(
        submit_url(program), {**unreachable, "budget": "lots", "timeframe_months": "x"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Please correct 3 problems" in html
    assert 'id="id_email_error"' in html
    assert 'value="ada@"' in html
    assert 'aria-describedby="id_email_help id_email_error" aria-invalid="true"' in html
    assert 'id="id_budget_error"' in html
    assert 'id="id_timeframe_months_error"' in html
    assert "&#x27;x&#x27; is not a number" in html
    assert 'value="Lovelace"' in html
    assert (Lead.objects.count(), LeadEvent.objects.count()) == (0, 0)


def test_a_submission_with_no_way_to_reach_the_person_is_refused(
    client: Client, program: Program
) -> None:
    response = client.post(submit_url(program), {"first_name": "Ada"})
    assert response.status_code == 400
    assert b"needs an e-mail, a phone, or a company and a name" in response.content
    assert Lead.objects.count() == 0


def test_a_required_question_left_empty_is_refused_with_the_other_errors(
    client: Client, program: Program
) -> None:
    criteria = default_criteria()
    questions = tuple(
        q.model_copy(update={"required": True}) if q.key == "need" else q
        for q in criteria.questions
    )
    criteria_publish(
        program=program,
        criteria=criteria.model_copy(update={"questions": questions}),
        actor=None,
        now=NOW,
    )
    response = client.post(submit_url(program), {**FORM, "need": "", "email": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_need_error"' in html
    assert 'id="id_email_error"' in html
    assert Lead.objects.count() == 0


def test_an_over_long_value_is_refused_at_its_field(client: Client, program: Program) -> None:
    response = client.post(submit_url(program), {**FORM, "first_name": "A" * 101})
    assert response.status_code == 400
    assert b"at most 100 characters" in response.content
    assert Lead.objects.count() == 0


# --- spam defences ----------------------------------------------------------------------------


def test_a_filled_honeypot_looks_like_success_but_captures_nothing(
    client: Client, program: Program, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post(submit_url(program), {**FORM, "leadflow_hp": "http://spam.example"})
    assert response.status_code == 200
    assert b"Thank you" in response.content
    assert Lead.objects.count() == 0
    assert "honeypot" in caplog.text


def test_a_filled_honeypot_is_redirected_like_a_person(client: Client, program: Program) -> None:
    program.web_form_allowed_hosts = ["www.acme.example"]
    program.save()
    response = client.post(
        submit_url(program),
        {**FORM, "leadflow_hp": "x", "retURL": "https://www.acme.example/thanks"},
    )
    assert response.status_code == 303
    assert Lead.objects.count() == 0


def test_the_eleventh_submission_in_a_window_is_refused_until_the_next_window(
    client: Client, program: Program
) -> None:
    with time_machine.travel(NOW, tick=False):
        for n in range(10):
            response = client.post(submit_url(program), {"email": f"p{n}@example.com"})
            assert response.status_code == 200
        refused = client.post(submit_url(program), {"email": "p10@example.com"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 600 - (NOW.minute % 10) * 60 - NOW.second
    assert b"Please try again" in refused.content
    assert Lead.objects.count() == 10
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        again = client.post(submit_url(program), {"email": "p10@example.com"})
    assert again.status_code == 200
    assert Lead.objects.count() == 11


def test_the_limit_is_per_address_and_per_program(
    client: Client, program: Program, other_program: Program, settings: Settings
) -> None:
    settings.WEB_FORM_RATE_LIMIT = (1, 600)
    assert client.post(submit_url(program), FORM).status_code == 200
    assert client.post(submit_url(program), FORM).status_code == 429
    assert client.post(submit_url(other_program), FORM).status_code == 200
    elsewhere = client.post(submit_url(program), FORM, REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 200


def test_a_forwarded_for_header_does_not_escape_the_limit(
    client: Client, program: Program, settings: Settings
) -> None:
    settings.WEB_FORM_RATE_LIMIT = (1, 600)
    client.post(submit_url(program), FORM)
    response = client.post(submit_url(program), FORM, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429


def test_old_windows_are_pruned_as_new_ones_start(db: None) -> None:
    throttle_hit(key="a", limit=10, window_seconds=600, now=NOW)
    throttle_hit(key="a", limit=10, window_seconds=600, now=NOW + timedelta(minutes=10))
    assert FormThrottle.objects.count() == 2
    throttle_hit(key="b", limit=10, window_seconds=600, now=NOW + timedelta(minutes=30))
    assert sorted(FormThrottle.objects.values_list("key", "count")) == [("b", 1)]


def test_a_body_over_64_kib_is_refused_before_it_is_read(client: Client, program: Program) -> None:
    response = client.post(submit_url(program), {**FORM, "description": "x" * 70_000})
    assert response.status_code == 413
    assert Lead.objects.count() == 0
    assert FormThrottle.objects.count() == 0


# --- which programs have a form ---------------------------------------------------------------


def test_an_unknown_program_has_no_form(client: Client, db: None) -> None:
    assert client.get("/forms/nope/").status_code == 404
    assert client.post("/forms/nope/submit", FORM).status_code == 404


@pytest.mark.parametrize("switch", ["web_form_enabled", "is_active"])
def test_a_program_with_its_form_off_has_no_form(
    client: Client, program: Program, switch: str
) -> None:
    setattr(program, switch, False)
    program.save()
    assert client.get(f"/forms/{program.slug}/").status_code == 404
    assert client.post(submit_url(program), FORM).status_code == 404
    assert Lead.objects.count() == 0


def test_the_submit_endpoint_takes_only_posts(client: Client, program: Program) -> None:
    assert client.get(submit_url(program)).status_code == 405


# --- the embed page ---------------------------------------------------------------------------


def test_the_embed_page_needs_a_login(client: Client, program: Program) -> None:
    response = client.get(f"/forms/{program.slug}/embed/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


def test_the_embed_page_shows_both_snippets_to_the_programs_staff(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MARKETER, clients=(program.client,)))
    response = client.get(f"/forms/{program.slug}/embed/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;iframe src=&quot;http://testserver/forms/acme-demand/&quot;" in html
    assert "&lt;form action=&quot;http://testserver/forms/acme-demand/submit&quot;" in html
    assert "name=&quot;first_name&quot;" in html
    assert "name=&quot;budget&quot;" in html
    assert "name=&quot;leadflow_hp&quot;" in html


def test_another_clients_program_is_not_found_on_the_embed_page(
    client: Client, program: Program, other_program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MARKETER, programs=(program,)))
    assert client.get(f"/forms/{other_program.slug}/embed/").status_code == 404


# --- the vocabularies of the core's alias table, posted as a browser posts a form ------------


def post_as_browser(client: Client, program: Program, data: dict[str, str]) -> Any:
    return client.post(
        submit_url(program), urlencode(data), content_type="application/x-www-form-urlencoded"
    )


@pytest.mark.parametrize("vocabulary", sorted(SAMPLES))
def test_a_form_in_each_vocabulary_creates_the_same_lead(
    client: Client, program: Program, vocabulary: str
) -> None:
    fields, channel = SAMPLES[vocabulary]
    response = post_as_browser(client, program, fields)
    assert response.status_code == 200
    lead = Lead.objects.get()
    assert contact_of(lead) == PERSON
    assert lead.channel == channel


def test_a_form_keeps_an_unknown_source_as_other_with_its_detail(
    client: Client, program: Program
) -> None:
    post_as_browser(client, program, {"Email": "a@example.com", "LeadSource": "Podcast Ep. 12"})
    lead = Lead.objects.get()
    assert (lead.channel, lead.profile) == ("other", {"source_detail": "Podcast Ep. 12"})


def test_a_form_takes_the_first_non_empty_of_email_work_and_email_home(
    client: Client, program: Program
) -> None:
    post_as_browser(
        client,
        program,
        {"last_name": "Lovelace", "email_work": "", "email_home": "ada@home.example"},
    )
    assert Lead.objects.get().email == "ada@home.example"


def test_a_refused_form_in_another_vocabulary_shows_what_was_posted_at_its_fields(
    client: Client, program: Program
) -> None:
    response = post_as_browser(client, program, {"FirstName": "Ada", "Email": "ada@"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="first_name" type="text" value="Ada"' in html
    assert 'value="ada@"' in html
    assert 'id="id_email_error"' in html
    assert Lead.objects.count() == 0
