"""The nurture API: enter and leave a sequence, and the lead's nurture and consent fields."""

import json
from collections.abc import Callable

import pytest
from django.test import Client as WebClient

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.core.consent import ConsentChannel, ConsentStatus
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_transition
from leadflow.leads.services.consent import consent_record
from leadflow.nurture.models import Enrollment, Sequence
from leadflow.programs.models import Program
from tests.factories import NOW
from tests.nurture.conftest import C_ANSWERS

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user: User) -> None:
        token = token_create(user=user, name="test", programs=(), now=NOW)[1]
        self.client = WebClient()
        self.headers = {"Authorization": f"Bearer {token}"}

    def send(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        call = getattr(self.client, method)
        if method == "get":
            response = call(f"/api/v1{path}", headers=self.headers, secure=True)
        else:
            data = json.dumps(body) if body is not None else ""
            response = call(
                f"/api/v1{path}",
                data,
                content_type="application/json",
                headers=self.headers,
                secure=True,
            )
        return response.status_code, response.json()


@pytest.fixture
def api(make_user: Callable[..., User], program: Program) -> Api:
    return Api(make_user(Role.MARKETER, clients=(program.client,)))


def test_a_lead_enters_a_sequence_through_the_api_and_shows_it(
    api: Api, sequence: Sequence, program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program, answers=C_ANSWERS)
    status, body = api.send("post", f"/leads/{lead.pk}/nurture", {"sequence": "demo-nurture"})
    assert status == 200
    assert isinstance(body, dict)
    assert (body["sequence"], body["step"], body["state"]) == ("demo-nurture", 0, "active")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NURTURING
    status, detail = api.send("get", f"/leads/{lead.pk}")
    assert status == 200
    assert isinstance(detail, dict)
    assert detail["nurture"]["sequence"] == "demo-nurture"
    assert detail["nurture"]["next_touch_at"] is not None
    assert detail["consent"] == {"email": None, "phone": None}


def test_a_lead_that_cannot_be_nurtured_is_a_conflict(
    api: Api, sequence: Sequence, program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = lead_transition(
        lead=make_lead(program), action=Action.SUBMIT_FOR_REVIEW, actor=None, now=NOW
    )
    status, body = api.send("post", f"/leads/{lead.pk}/nurture", {"sequence": "demo-nurture"})
    assert status == 409
    assert body == {
        "detail": "The lead cannot enter the sequence: a lead in review cannot be nurtured."
    }


def test_an_unknown_sequence_names_the_field(
    api: Api, sequence: Sequence, program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program, answers=C_ANSWERS)
    status, body = api.send("post", f"/leads/{lead.pk}/nurture", {"sequence": "nope"})
    assert status == 422
    assert isinstance(body, dict)
    assert body["detail"][0]["loc"] == ["body", "sequence"]


def test_delete_takes_the_lead_out_and_a_second_delete_conflicts(
    api: Api, sequence: Sequence, program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program, answers=C_ANSWERS)
    api.send("post", f"/leads/{lead.pk}/nurture", {"sequence": "demo-nurture"})
    status, body = api.send("delete", f"/leads/{lead.pk}/nurture")
    assert status == 200
    assert isinstance(body, dict)
    assert (body["state"], body["next_touch_at"]) == ("left", None)
    assert Enrollment.objects.get(lead=lead).left_reason == "by_hand"
    assert api.send("delete", f"/leads/{lead.pk}/nurture")[0] == 409


def test_the_consent_of_the_leads_addresses_is_shown(
    api: Api, program: Program, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead(program, phone="+12125550100")
    consent_record(
        client=program.client,
        channel=ConsentChannel.EMAIL,
        address="ada@example.com",
        status=ConsentStatus.UNSUBSCRIBED,
        source="test",
        now=NOW,
    )
    status, detail = api.send("get", f"/leads/{lead.pk}")
    assert isinstance(detail, dict)
    assert (status, detail["consent"], detail["nurture"]) == (
        200,
        {"email": "unsubscribed", "phone": None},
        None,
    )


def test_a_marketer_of_another_client_sees_nothing(
    sequence: Sequence,
    program: Program,
    other_program: Program,
    make_lead: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    stranger = Api(make_user(Role.MARKETER, clients=(other_program.client,)))
    lead = make_lead(program, answers=C_ANSWERS)
    assert (
        stranger.send("post", f"/leads/{lead.pk}/nurture", {"sequence": "demo-nurture"})[0] == 404
    )
    assert stranger.send("delete", f"/leads/{lead.pk}/nurture")[0] == 404
    assert stranger.send("get", f"/leads/{lead.pk}")[0] == 404
    assert not Enrollment.objects.exists()
