"""The lead file a partner receives (partners.exports): the core's one CSV-cell rule, so the
phone stays dialable and a hostile value is never a formula."""

import csv
import io

from leadflow.leads.models import Lead
from leadflow.partners.exports import lead_csv
from leadflow.partners.models import Assignment


def test_the_partners_csv_keeps_the_phone_and_neutralises_formulas() -> None:
    lead = Lead(
        pk=7,
        first_name="Ada",
        phone="+14155550100",
        company='=HYPERLINK("http://x")',
        stage="lead",
        channel="web",
        score=40.0,
        profile={},
        answers={"notes": "-1+cmd|' /C calc'!A0"},
    )
    content = lead_csv(lead, Assignment(), "UTC").decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(content)))
    values = dict(zip(header, row, strict=True))
    assert values["Phone"] == "+14155550100"
    assert values["Company"] == '\'=HYPERLINK("http://x")'
    assert values["Notes"] == "'-1+cmd|' /C calc'!A0"
