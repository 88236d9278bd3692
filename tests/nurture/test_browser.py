"""The marketer's nurture journey in a real browser: build a sequence (an e-mail and a call
task), preview the e-mail with a real lead's data, enrol C leads from the lead list, and, once
the periodic job has done the due touches, find them in each lead's history and panel."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.demo.seed import demo_load, demo_password
from leadflow.leads.models import Lead
from leadflow.nurture.models import Enrollment, Sequence, TouchSent
from leadflow.nurture.services import touches_due_process
from leadflow.programs.models import Program
from tests.nurture.conftest import C_ANSWERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BODY = (
    'Hello {{ first_name|default:"there" }},\n\n'
    "thank you for asking about {{ program }}. Our guide: https://example.com/guide\n\n"
    "Regards"
)


def test_a_marketer_builds_a_sequence_enrols_c_leads_and_sees_the_touches_in_their_history(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    program: Program,
    make_lead: Callable[..., Lead],
) -> None:
    user_create(
        username="mia",
        password="mia-markets-2026",
        roles=(Role.MARKETER,),
        clients=(program.client,),
    )
    katherine = make_lead(
        program,
        answers=C_ANSWERS,
        first_name="Katherine",
        last_name="Johnson",
        email="kj@orbit.example",
        phone="+17575550100",
        company="Orbit Math",
    )
    dorothy = make_lead(
        program,
        answers=C_ANSWERS,
        first_name="Dorothy",
        last_name="Vaughan",
        email="dv@orbit.example",
        company="Orbit Math",
    )
    make_lead(program, first_name="Hedy", last_name="Lamarr", email="hedy@x.example")
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/nurture/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("mia-markets-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Nurture sequences")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main").get_by_role("link", name="Nurture")
    expect(nav).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="New sequence").click()

    expect(page.get_by_label("Program", exact=True)).to_have_value(str(program.pk))  # the only one
    page.get_by_label("Name", exact=True).fill("Warm C leads")
    page.get_by_label("After the last touch").select_option(label="Move the lead to the dead file")
    page.screenshot(path=str(screenshots / "nurture-new.png"), full_page=True)
    page.get_by_role("button", name="Create the sequence").click()
    expect(page.get_by_text("Sequence “Warm C leads” created: add its touches.")).to_be_visible()

    page.get_by_role("link", name="Add a touch").first.click()
    page.get_by_label("Kind of touch").select_option("email")
    page.get_by_label("Wait before it (working days)").fill("0")
    page.get_by_label("E-mail subject").fill('{{ first_name|default:"Hello" }}, your guide')
    page.get_by_label("E-mail text, or what the mail piece is").fill(BODY)
    page.screenshot(path=str(screenshots / "nurture-touch.png"), full_page=True)
    page.get_by_role("button", name="Add the touch").click()
    expect(page.get_by_text("Touch added at the end of the sequence.")).to_be_visible()

    page.get_by_role("link", name="Add a touch").first.click()
    page.get_by_label("Kind of touch").select_option("call")
    page.get_by_label("Wait before it (working days)").fill("3")
    expect(page.get_by_label("E-mail subject")).to_be_hidden()  # a call has no subject
    page.get_by_label("Call script").fill("Ask whether the project has a budget now.")
    page.get_by_role("button", name="Add the touch").click()
    touches = page.get_by_test_id("touch")
    expect(touches).to_have_count(2)
    expect(touches.nth(0)).to_contain_text("On entry")
    expect(touches.nth(1)).to_contain_text("3 working days later")
    page.screenshot(path=str(screenshots / "nurture-sequence.png"), full_page=True)

    page.get_by_role("link", name="Preview touch 1").click()
    page.get_by_label("Show it as it would go to").select_option(str(katherine.pk))
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("preview-subject")).to_have_text("Katherine, your guide")
    expect(page.get_by_test_id("preview-text")).to_contain_text("Hello Katherine,")
    html = page.frame_locator("iframe.mail-html")
    expect(html.get_by_text("Hello Katherine,")).to_be_visible()
    page.screenshot(path=str(screenshots / "nurture-preview.png"), full_page=True)

    page.goto(f"{live_server.url}/leads/?rating=c")
    page.get_by_label(f"Select {katherine.first_name} {katherine.last_name}").check()
    page.get_by_label(f"Select {dorothy.first_name} {dorothy.last_name}").check()
    page.screenshot(path=str(screenshots / "nurture-list.png"), full_page=True)
    page.get_by_role("button", name="Enrol in sequence…").click()
    expect(page.get_by_role("heading", name="Enrol 2 leads in a sequence?")).to_be_visible()
    page.get_by_label("Sequence").select_option(label="Warm C leads (Acme Demand Gen)")
    page.screenshot(path=str(screenshots / "nurture-enrol.png"), full_page=True)
    page.get_by_role("button", name="Yes: enrol them").click()
    expect(page).to_have_url(f"{live_server.url}/leads/?rating=c")
    expect(page.get_by_text("2 enrolled in “Warm C leads”.")).to_be_visible()

    sequence = Sequence.objects.get(name="Warm C leads")
    assert set(Enrollment.objects.values_list("lead_id", "sequence_id")) == {
        (katherine.pk, sequence.pk),
        (dorothy.pk, sequence.pk),
    }
    touches_due_process(now=timezone.now())
    assert TouchSent.objects.filter(kind="email", skipped="").count() == 2

    page.goto(f"{live_server.url}/leads/{katherine.pk}/")
    panel = page.get_by_test_id("nurture-panel")
    expect(panel).to_contain_text("Warm C leads")
    expect(panel.get_by_test_id("nurture-step")).to_have_text("1 of 2 touches done")
    expect(panel).to_contain_text("Telesales call on")
    history = page.locator(".ws-history")
    expect(history).to_contain_text(
        "Nurture “Warm C leads”, touch 1: E-mail “Katherine, your guide”"
    )
    page.screenshot(path=str(screenshots / "nurture-lead.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/nurture/{sequence.pk}/")
    page.screenshot(path=str(screenshots / "nurture-sequence-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at phone width ({width}px)"
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/nurture/{sequence.pk}/leads")
    expect(page.get_by_test_id("enrollment")).to_have_count(2)
    page.screenshot(path=str(screenshots / "nurture-leads.png"), full_page=True)

    page.goto(f"{live_server.url}/leads/{dorothy.pk}/")
    page.get_by_test_id("nurture-panel").get_by_role("button", name="Responded").click()
    expect(page.get_by_text("is back in the qualification queue")).to_be_visible()
    dorothy.refresh_from_db()
    assert dorothy.status == "qualifying"


def test_the_demos_nurture_reads_well_for_marketing_and_the_qualifiers(
    page: Page, screenshots: Path, live_server: LiveServer
) -> None:
    """The demo's sequences, their leads and mailing list, a lead that unsubscribed, and the
    calls due in the qualifier's queue, as the demo shows them."""
    demo_load(now=timezone.now())
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/login/?next=/nurture/")
    page.get_by_label("Username").fill("marketer")
    page.get_by_label("Password").fill(demo_password("marketer"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Keep in touch")).to_have_count(2)
    page.screenshot(path=str(screenshots / "nurture-index.png"), full_page=True)

    page.get_by_role("link", name="Keep in touch").first.click()
    expect(page.get_by_test_id("touch")).to_have_count(4)
    expect(page.get_by_test_id("touch").nth(3)).to_contain_text("working day 20 after entry")
    page.screenshot(path=str(screenshots / "nurture-demo-sequence.png"), full_page=True)
    sequence_url = page.url
    page.get_by_role("link", name="Edit touch 2").click()
    expect(
        page.get_by_text("Your changes apply only to leads that have not had it yet")
    ).to_be_visible()
    page.screenshot(path=str(screenshots / "nurture-edit-sent-touch.png"), full_page=True)
    page.goto(sequence_url)
    page.get_by_role("link", name="waiting to be exported").click()
    expect(page.get_by_test_id("mailing-entry").first).to_be_visible()
    page.screenshot(path=str(screenshots / "nurture-mailing-list.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export the new addresses as CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    page.reload()
    expect(page.get_by_text("Nothing new to export.")).to_be_visible()

    unsubscribed = Enrollment.objects.filter(left_reason="unsubscribed").first()
    assert unsubscribed is not None
    page.goto(f"{live_server.url}/leads/{unsubscribed.lead_id}/")
    panel = page.get_by_test_id("nurture-panel")
    expect(panel.get_by_test_id("nurture-consent")).to_have_text(
        "unsubscribed: no marketing e-mail"
    )
    expect(panel).to_contain_text("Left")
    page.screenshot(path=str(screenshots / "nurture-demo-lead.png"), full_page=True)
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the lead page scrolls sideways at phone width ({width}px)"
    page.screenshot(path=str(screenshots / "nurture-demo-lead-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/accounts/login/?next=/queue/")
    page.get_by_label("Username").fill("qualifier")
    page.get_by_label("Password").fill(demo_password("qualifier"))
    page.get_by_role("button", name="Sign in").click()
    calls = page.get_by_test_id("nurture-call")
    expect(calls.first).to_be_visible()
    page.screenshot(path=str(screenshots / "nurture-queue.png"), full_page=True)
    calls.first.get_by_role("link").click()
    task = page.get_by_test_id("call-task")
    expect(task).to_contain_text("Introduce yourself")
    task.get_by_role("button", name="Call done").click()
    expect(page.get_by_text("Call recorded as done.")).to_be_visible()
    page.screenshot(path=str(screenshots / "nurture-call-done.png"), full_page=True)
