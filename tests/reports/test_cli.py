"""``leadflow report`` and ``leadflow report_rebuild`` (issue 16, item 6; docs/REPORTS.md, "API
and CLI"): the same figures as the API and the selector for the fixture of test_funnel.py, the
API's JSON to the byte, the rows as CSV, and plain-word errors with exit code 2."""

import csv
import io
import json
import re
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.programs.models import Program
from leadflow.reports.models import LeadFact
from leadflow.reports.selectors.funnel import funnel
from tests.api.conftest import Api
from tests.factories import NOW
from tests.reports.test_funnel import APRIL, history  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

APRIL_ARGS = ["--from", "2026-04-01", "--to", "2026-05-01"]


def report(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        report(*args)
    assert raised.value.returncode == 2
    return str(raised.value)


def api_answer(user: User, **query: str) -> bytes:
    token = token_create(user=user, name="bi", now=NOW)[1]
    answer = Api(token).get("/reports/funnel", **query)
    assert answer.status_code == 200
    content: bytes = answer.content
    return content


@pytest.mark.usefixtures("history")
def test_the_cli_prints_the_apis_json_and_the_selectors_figures(
    program: Program, make_user: Callable[..., User]
) -> None:
    printed = report("funnel", "--program", "acme-demand", *APRIL_ARGS)
    admin = make_user(Role.ADMIN)
    answered = api_answer(
        admin, program="acme-demand", **{"from": "2026-04-01", "to": "2026-05-01"}
    )
    assert printed.rstrip("\n") == answered.decode()
    assert json.loads(printed)["rows"] == funnel(programs=[program], period=APRIL).rows
    steps = {row["step"]: row["count"] for row in json.loads(printed)["rows"]}
    assert (steps["inquiry"], steps["approved"], steps["won"]) == (3, 2, 1)


@pytest.mark.usefixtures("history")
def test_without_user_the_cli_reads_as_an_admin_and_with_user_as_that_user(
    program: Program, make_user: Callable[..., User]
) -> None:
    everything = json.loads(report("funnel", *APRIL_ARGS))
    assert everything["rows"][0]["count"] == 4
    marketer = make_user(Role.MARKETER, clients=(program.client,))
    theirs = report("funnel", "--user", marketer.username, *APRIL_ARGS)
    assert json.loads(theirs)["rows"][0]["count"] == 3
    answered = api_answer(marketer, **{"from": "2026-04-01", "to": "2026-05-01"})
    assert theirs.rstrip("\n") == answered.decode()


@pytest.mark.usefixtures("history")
def test_csv_writes_the_rows_with_their_keys_as_headers() -> None:
    printed = report("funnel", "--program", "acme-demand", *APRIL_ARGS, "--format", "csv")
    table = list(csv.DictReader(io.StringIO(printed)))
    assert printed.splitlines()[0] == "step,label,count,conversion,won_revenue"
    assert [row["step"] for row in table][:2] == ["inquiry", "lead"]
    assert [row["count"] for row in table] == ["3", "2", "2", "2", "2", "2", "1"]
    assert table[0]["conversion"] == ""
    assert float(table[1]["conversion"]) == pytest.approx(2 / 3)
    assert table[0]["won_revenue"] == "{}"


@pytest.mark.usefixtures("history")
def test_csv_by_rating_carries_the_group_columns() -> None:
    args = ["funnel", "--program", "acme-demand", *APRIL_ARGS, "--by", "rating"]
    by_rating = json.loads(report(*args))
    csv_rows = list(csv.DictReader(io.StringIO(report(*args, "--format", "csv"))))
    assert len(csv_rows) == len(by_rating["rows"]) == 21
    assert {"rating", "rating_label", "step", "count"} <= set(csv_rows[0])


def test_errors_are_plain_words_with_exit_code_2(
    program: Program, other_program: Program, make_user: Callable[..., User]
) -> None:
    assert "no program 'nope'" in refused("funnel", "--program", "nope")
    assert "--from" in refused("funnel", "--from", "2026-04-31", "--to", "2026-05-01")
    assert "--to" in refused("funnel", "--from", "2026-05-01", "--to", "2026-04-01")
    assert refused("funnel", "--to", "May") == "--to: dates are YYYY-MM-DD"
    assert "--by" in refused("funnel", "--by", "partner")
    assert "no report 'revenue'" in refused("revenue")
    assert "no active user 'ghost'" in refused("funnel", "--user", "ghost")
    contact = make_user(Role.CLIENT, clients=(program.client,))
    message = refused("funnel", "--user", contact.username)
    assert message == f"{contact.username} may not read the funnel report"
    assert "may not read" in refused(
        "deliverables", "--user", contact.username, "--program", "globex-partners"
    )


@pytest.mark.usefixtures("history")
def test_rebuild_prints_the_leads_folded_and_the_time() -> None:
    out = io.StringIO()
    call_command("report_rebuild", stdout=out)
    assert re.fullmatch(
        r"Rebuilt the report tables: 6 leads folded in \d+\.\d s\.\n", out.getvalue()
    )
    assert LeadFact.objects.count() == 6
