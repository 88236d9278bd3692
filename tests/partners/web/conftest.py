"""The portal's pages show the lead's own contact and company: leads here take any of them
(the suite's ``make_lead`` fixes the name, e-mail and company)."""

from collections.abc import Callable
from typing import Any

import pytest

from leadflow.leads.models import Lead
from leadflow.leads.services import LeadInput, lead_create
from leadflow.programs.models import Program
from tests.conftest import NOW


@pytest.fixture
def make_lead(db: None) -> Callable[..., Lead]:
    def make(program: Program, **fields: Any) -> Lead:
        fields.setdefault("first_name", "Ada")
        fields.setdefault("last_name", "Lovelace")
        fields.setdefault("email", "ada@example.com")
        fields.setdefault("company", "Analytical Engines Ltd")
        return lead_create(program=program, data=LeadInput(**fields), actor=None, now=NOW)

    return make
