"""The criteria pages: who may see and edit them, the draft editor and its validation, the
preview on past leads, publishing with re-qualification, versions and their differences."""

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django import forms
from django.test import Client, override_settings
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.leads.models import Lead, LeadEvent
from leadflow.programs.forms.editor import CriteriaEditor
from leadflow.programs.models import CriteriaStatus, CriteriaVersion, Program
from leadflow.programs.selectors import criteria_draft, criteria_from_version
from leadflow.programs.services import criteria_draft_save
from tests.tasks import IMMEDIATE

HOT = {"budget": "approved", "authority": "decision_maker", "need": "established"}


@pytest.fixture(autouse=True)
def plain_http_client(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def manager(program: Program, make_user: Callable[..., User]) -> User:
    return make_user(Role.MANAGER, clients=(program.client,))


@pytest.fixture
def signed_in(client: Client, manager: User) -> Client:
    client.force_login(manager)
    return client


def tightened(months: float = 1) -> QualifyingCriteria:
    data = default_criteria().model_dump(mode="json")
    data["rating_ladder"][0]["any_of"][0]["timeframe_max_months"] = months
    return QualifyingCriteria.from_dict(data)


def editor_data(criteria: QualifyingCriteria, **changes: Any) -> dict[str, Any]:
    """What a browser submits from the structured editor showing ``criteria``, with
    ``changes`` (field name → value) applied."""
    editor = CriteriaEditor(None, criteria=criteria)
    every: list[forms.Form] = [editor.general, editor.questions.management_form]
    every += editor.questions.forms
    every += [editor.ladder.management_form, *editor.ladder.forms]
    for conditions in editor.conditions:
        every += [conditions.management_form, *conditions.forms]
    every += [editor.point_rules.management_form, *editor.point_rules.forms]
    data: dict[str, Any] = {"editor": "form"}
    for form in every:
        for bound in form:
            value = bound.value()
            if isinstance(bound.field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            elif value is not None:
                data[bound.html_name] = value
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def make_leads(
    make_lead: Callable[..., Lead], program: Program, months: Iterable[float]
) -> list[Lead]:
    return [
        make_lead(program, answers={**HOT, "timeframe_months": value}, email=f"p{i}@x.example")
        for i, value in enumerate(months)
    ]


# Who may see what


def test_anonymous_is_sent_to_sign_in(client: Client, program: Program) -> None:
    for url in (
        "/programs/",
        f"/programs/{program.slug}/",
        f"/programs/{program.slug}/criteria/edit",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", [Role.QUALIFIER, Role.REVIEWER, Role.PARTNER, Role.CLIENT])
def test_other_roles_are_refused_everywhere(
    client: Client, program: Program, make_user: Callable[..., User], role: Role
) -> None:
    client.force_login(make_user(role, programs=(program,)))
    slug = program.slug
    for url in (
        "/programs/",
        f"/programs/{slug}/",
        f"/programs/{slug}/criteria/edit",
        f"/programs/{slug}/criteria/preview",
        f"/programs/{slug}/criteria/versions/1/",
        f"/programs/{slug}/criteria/diff",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/programs/{slug}/criteria/publish", {"confirm": "on"}).status_code == 403


def test_marketer_views_but_does_not_edit(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MARKETER, programs=(program,)))
    slug = program.slug
    assert client.get("/programs/").status_code == 200
    page = client.get(f"/programs/{slug}/").content.decode()
    assert "Version 1" in page
    assert "/criteria/edit" not in page
    assert client.get(f"/programs/{slug}/criteria/versions/1/").status_code == 200
    assert client.get(f"/programs/{slug}/criteria/edit").status_code == 403
    assert (
        client.post(f"/programs/{slug}/criteria/edit", editor_data(tightened())).status_code == 403
    )
    assert client.post(f"/programs/{slug}/criteria/discard").status_code == 403
    assert not CriteriaVersion.objects.filter(status=CriteriaStatus.DRAFT).exists()


def test_a_program_outside_the_scope_is_not_found(
    signed_in: Client, other_program: Program
) -> None:
    slug = other_program.slug
    for url in (
        f"/programs/{slug}/",
        f"/programs/{slug}/criteria/edit",
        f"/programs/{slug}/criteria/versions/1/",
        f"/programs/{slug}/criteria/diff",
    ):
        assert signed_in.get(url).status_code == 404, url
    assert signed_in.post(f"/programs/{slug}/criteria/publish").status_code == 404
    listing = signed_in.get("/programs/").content.decode()
    assert "Globex Partners" not in listing


# Pages


def test_program_list_shows_version_hand_off_and_lead_counts(
    signed_in: Client,
    program: Program,
    make_lead: Callable[..., Lead],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    make_leads(make_lead, program, [2, 5, 8])
    with django_assert_max_num_queries(8):
        response = signed_in.get("/programs/")
    page = response.content.decode()
    assert "Acme Demand Gen" in page
    assert "version 1" in page
    assert "Client delivery batches" in page
    assert "<td>3</td>" in page


def test_program_page_shows_the_criteria_in_plain_words_and_versions(
    signed_in: Client,
    program: Program,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_max_num_queries(10):
        response = signed_in.get(f"/programs/{program.slug}/")
    page = response.content.decode()
    assert "Current criteria: version 1" in page
    assert "decision within 3 months and need identified or established" in page
    assert "Decision time frame (months)" in page
    assert "Budget: met when the answer is Preliminary or Approved" in page
    assert f"/programs/{program.slug}/criteria/versions/1/" in page


# Editing


def test_the_editor_starts_from_the_current_criteria(signed_in: Client, program: Program) -> None:
    page = signed_in.get(f"/programs/{program.slug}/criteria/edit?open=ladder").content.decode()
    assert 'name="ladder-0-conditions-0-timeframe_max_months"' in page
    assert 'value="3"' in page
    assert '<span class="section-title">Questions</span>' in page


def test_the_editor_sections_start_closed_each_with_a_summary(
    signed_in: Client, program: Program
) -> None:
    page = signed_in.get(f"/programs/{program.slug}/criteria/edit").content.decode()
    assert page.count('<details class="card section"') == 4
    assert '<details class="card section" id="section-questions">' in page
    assert "4 questions</span>" in page
    assert "4 rules: Hot, A, B, C; other leads FYI</span>" in page
    assert "13 point rules (10 on answers, 3 on engagement)</span>" in page
    assert (
        "Budget: preliminary or approved; authority: decision maker; need: established; "
        "no horizon</span>" in page
    )
    assert 'class="editor-bar"' in page


def test_a_section_with_a_problem_opens_by_itself(signed_in: Client, program: Program) -> None:
    response = signed_in.post(
        f"/programs/{program.slug}/criteria/edit",
        editor_data(default_criteria(), **{"points-0-points": "lots"}),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<details class="card section" id="section-points" open>' in page
    assert '<details class="card section" id="section-questions">' in page
    assert '<details class="card section" id="section-ladder">' in page


def test_save_draft_stays_in_the_editor_and_save_and_preview_goes_to_the_preview(
    signed_in: Client, program: Program
) -> None:
    url = f"/programs/{program.slug}/criteria/edit"
    response = signed_in.post(url, editor_data(tightened(), then="edit"))
    assert (response.status_code, response["Location"]) == (302, url)
    assert criteria_draft(program=program) is not None
    response = signed_in.post(url, editor_data(tightened(2)))
    assert response["Location"] == f"/programs/{program.slug}/criteria/preview"


def test_unchanged_editor_round_trips_the_criteria(signed_in: Client, program: Program) -> None:
    response = signed_in.post(
        f"/programs/{program.slug}/criteria/edit", editor_data(default_criteria())
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    draft = criteria_draft(program=program)
    assert draft is not None
    assert criteria_from_version(draft) == default_criteria()


def test_a_valid_edit_saves_a_draft_and_publishes_nothing(
    signed_in: Client, program: Program, manager: User
) -> None:
    data = editor_data(
        default_criteria(),
        **{"ladder-0-conditions-0-timeframe_max_months": "1", "general-note": "hot = 1 month"},
    )
    response = signed_in.post(f"/programs/{program.slug}/criteria/edit", data)
    assert response.status_code == 302
    assert response["Location"] == f"/programs/{program.slug}/criteria/preview"
    draft = criteria_draft(program=program)
    assert draft is not None
    assert (draft.note, draft.created_by) == ("hot = 1 month", manager)
    assert criteria_from_version(draft) == tightened(1)
    assert program.criteria_versions.filter(status=CriteriaStatus.PUBLISHED).count() == 1


def test_adding_removing_and_reordering_questions(signed_in: Client, program: Program) -> None:
    data = editor_data(
        default_criteria(),
        **{
            "questions-4-key": "employees",
            "questions-4-label": "Employees",
            "questions-4-type": "number",
            "questions-4-min_value": "1",
            "questions-4-ORDER": "0",
            "questions-2-DELETE": "on",
        },
    )
    # the need question goes, so the rules that read its answers must go too
    for index in (5, 6):
        data[f"points-{index}-DELETE"] = "on"
    response = signed_in.post(f"/programs/{program.slug}/criteria/edit", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = criteria_draft(program=program)
    assert draft is not None
    criteria = criteria_from_version(draft)
    assert [q.key for q in criteria.questions] == [
        "employees",
        "budget",
        "authority",
        "timeframe_months",
    ]
    assert len(criteria.point_rules) == len(default_criteria().point_rules) - 2


def test_a_core_error_is_shown_next_to_its_field_and_nothing_is_saved(
    signed_in: Client, program: Program
) -> None:
    data = editor_data(default_criteria(), **{"ladder-1-rating": "hot"})
    response = signed_in.post(f"/programs/{program.slug}/criteria/edit", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert 'id="id_ladder-1-rating_error"' in page
    assert "Hot already has rule 1" in page
    assert 'aria-describedby="id_ladder-1-rating_error"' in page
    assert criteria_draft(program=program) is None


def test_a_choice_error_names_its_line(signed_in: Client, program: Program) -> None:
    data = editor_data(
        default_criteria(),
        **{"questions-0-choices": "none | None | none\nsome | Some | plenty"},
    )
    page = signed_in.post(f"/programs/{program.slug}/criteria/edit", data).content.decode()
    assert "line 2: &#x27;plenty&#x27; is not a budget value" in page
    assert criteria_draft(program=program) is None


def test_a_field_error_is_shown_and_nothing_is_saved(signed_in: Client, program: Program) -> None:
    data = editor_data(default_criteria(), **{"points-0-points": "lots"})
    page = signed_in.post(f"/programs/{program.slug}/criteria/edit", data).content.decode()
    assert 'id="id_points-0-points_error"' in page
    assert "Enter a number." in page
    assert criteria_draft(program=program) is None


def test_the_yaml_editor_saves_a_draft_or_shows_the_error(
    signed_in: Client, program: Program
) -> None:
    url = f"/programs/{program.slug}/criteria/edit"
    bad = tightened().to_yaml().replace("rating: a", "rating: z")
    page = signed_in.post(url, {"editor": "yaml", "text": bad}).content.decode()
    assert "rating_ladder.1.rating" in page
    assert criteria_draft(program=program) is None
    response = signed_in.post(url, {"editor": "yaml", "text": tightened().to_yaml(), "note": "y"})
    assert response.status_code == 302
    draft = criteria_draft(program=program)
    assert draft is not None
    assert criteria_from_version(draft) == tightened()


def test_discarding_the_draft(signed_in: Client, program: Program, now: Any) -> None:
    criteria_draft_save(program=program, criteria=tightened(), actor=None, now=now)
    response = signed_in.post(f"/programs/{program.slug}/criteria/discard")
    assert response.status_code == 302
    assert criteria_draft(program=program) is None


# Preview and publish


def test_preview_shows_the_moves_with_counts_and_example_links(
    signed_in: Client,
    program: Program,
    make_lead: Callable[..., Lead],
    now: Any,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    leads = make_leads(make_lead, program, [0.5, 2, 3, 5])
    criteria_draft_save(program=program, criteria=tightened(1), actor=None, now=now)
    with django_assert_max_num_queries(10):
        response = signed_in.get(f"/programs/{program.slug}/criteria/preview")
    page = response.content.decode()
    assert "<strong>2</strong> of 4 leads would move" in page
    assert '<td>Hot</td>\n        <td>A</td>\n        <td class="num">2</td>' in page
    assert f'href="/leads/{leads[1].pk}/"' in page
    assert f'href="/leads/{leads[2].pk}/"' in page
    assert f'href="/leads/{leads[0].pk}/"' not in page
    assert (
        '<th scope="row">Hot</th><td class="num">3</td>'
        '<td class="num">1</td><td class="num">-2</td>' in page
    )
    assert "all 4 of the program's leads" in page


def test_preview_lists_leads_whose_answers_the_draft_refuses(
    signed_in: Client, program: Program, make_lead: Callable[..., Lead], now: Any
) -> None:
    lead = make_lead(program)
    data = default_criteria().model_dump(mode="json")
    data["questions"][0]["choices"] = [
        c for c in data["questions"][0]["choices"] if c["value"] != "approved"
    ]
    data["point_rules"] = [r for r in data["point_rules"] if r.get("equals") != "approved"]
    criteria_draft_save(
        program=program, criteria=QualifyingCriteria.from_dict(data), actor=None, now=now
    )
    page = signed_in.get(f"/programs/{program.slug}/criteria/preview").content.decode()
    assert "Answers the draft would not accept: 1" in page
    assert f'href="/leads/{lead.pk}/"' in page


def test_preview_without_a_draft_is_not_found(signed_in: Client, program: Program) -> None:
    assert signed_in.get(f"/programs/{program.slug}/criteria/preview").status_code == 404


def test_publish_needs_the_confirmation(signed_in: Client, program: Program, now: Any) -> None:
    criteria_draft_save(program=program, criteria=tightened(), actor=None, now=now)
    response = signed_in.post(f"/programs/{program.slug}/criteria/publish", {}, follow=True)
    assert "nothing was published" in response.content.decode()
    assert criteria_draft(program=program) is not None


def test_publish_makes_a_version_and_requalifies_open_leads(
    signed_in: Client,
    program: Program,
    make_lead: Callable[..., Lead],
    manager: User,
    now: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    leads = make_leads(make_lead, program, [0.5, 2])
    criteria_draft_save(program=program, criteria=tightened(1), actor=manager, now=now)
    with override_settings(TASKS=IMMEDIATE), django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            f"/programs/{program.slug}/criteria/publish", {"confirm": "on"}, follow=True
        )
    page = response.content.decode()
    assert "Version 2 published" in page
    assert "Re-qualification of the open leads was queued" in page
    assert "Current criteria: version 2" in page
    version = CriteriaVersion.objects.get(program=program, number=2)
    assert (version.status, version.published_by) == (CriteriaStatus.PUBLISHED, manager)
    assert CriteriaVersion.objects.get(program=program, number=1).status == "published"
    moved = Lead.objects.get(pk=leads[1].pk)
    assert (moved.rating, moved.criteria_version_id) == ("a", version.pk)
    assert Lead.objects.get(pk=leads[0].pk).rating == "hot"
    event = LeadEvent.objects.filter(lead=moved, kind="qualified").latest("id")
    assert event.reason == "criteria version 2"
    assert event.actor == manager
    assert event.before["rating"] == "hot"
    assert event.after["rating"] == "a"


# Versions and differences


def test_version_page_and_missing_version(signed_in: Client, program: Program) -> None:
    page = signed_in.get(f"/programs/{program.slug}/criteria/versions/1/").content.decode()
    assert "criteria version 1" in page
    assert "rating_ladder:" in page
    assert signed_in.get(f"/programs/{program.slug}/criteria/versions/9/").status_code == 404


def test_diff_says_each_change_in_plain_words_without_yaml_or_keys(
    signed_in: Client,
    program: Program,
    now: Any,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    from leadflow.programs.services import criteria_publish

    data = tightened(1).model_dump(mode="json")
    data["horizon_months"] = 12
    criteria_publish(
        program=program, criteria=QualifyingCriteria.from_dict(data), actor=None, now=now
    )
    with django_assert_max_num_queries(10):
        response = signed_in.get(f"/programs/{program.slug}/criteria/diff?from=1&to=2")
    page = response.content.decode()
    assert "timeframe_max_months" not in page
    assert "rating_ladder" not in page
    assert "Rating rule Hot changed: decision within 3 months" in page
    assert "Horizon changed from no horizon to 12 months." in page
    assert signed_in.get(f"/programs/{program.slug}/criteria/diff?from=1&to=7").status_code == 404


def test_preview_shows_score_changes_with_their_distribution_and_each_lead_before_and_after(
    signed_in: Client, program: Program, make_lead: Callable[..., Lead], now: Any
) -> None:
    approved = make_lead(program, answers={"budget": "approved"}, email="a@x.example")
    make_lead(program, answers={"budget": "none"}, email="b@x.example")
    data = default_criteria().model_dump(mode="json")
    for rule in data["point_rules"]:
        if rule["label"] == "budget approved":
            rule["points"] = 30
    criteria_draft_save(
        program=program, criteria=QualifyingCriteria.from_dict(data), actor=None, now=now
    )
    page = signed_in.get(f"/programs/{program.slug}/criteria/preview").content.decode()
    assert "<strong>0</strong> of 2 leads would move" in page
    assert "<strong>1</strong> of 2 leads would change score: 1 up, 0 down." in page
    assert '<td class="num">+5 points</td><td class="num">1</td>' in page
    assert (
        f'<td><a href="/leads/{approved.pk}/">#{approved.pk}</a></td>\n'
        "        <td>FYI (stays)</td>\n"
        '        <td class="num">25</td>\n'
        '        <td class="num">30</td>\n'
        '        <td class="num">+5</td>' in page
    )


def test_preview_of_an_unchanged_score_says_no_lead_changes_score(
    signed_in: Client, program: Program, make_lead: Callable[..., Lead], now: Any
) -> None:
    make_leads(make_lead, program, [0.5, 2])
    criteria_draft_save(program=program, criteria=tightened(1), actor=None, now=now)
    page = signed_in.get(f"/programs/{program.slug}/criteria/preview").content.decode()
    assert "<strong>0</strong> of 2 leads would change score." in page
    assert "Leads that change, biggest change first" in page  # Hot → A, same score


def test_diff_names_a_point_change_by_its_rule(
    signed_in: Client, program: Program, now: Any
) -> None:
    from leadflow.programs.services import criteria_publish

    data = default_criteria().model_dump(mode="json")
    data["point_rules"][0]["points"] = 30
    data["questions"][0]["public_label"] = "Do you have money set aside?"
    criteria_publish(
        program=program, criteria=QualifyingCriteria.from_dict(data), actor=None, now=now
    )
    page = signed_in.get(f"/programs/{program.slug}/criteria/diff?from=1&to=2").content.decode()
    assert "Budget approved: 25 → 30 points." in page
    assert "Question “Budget”: public wording changed." in page
