"""The import stores exactly what it stored before its speed-ups (issue 18, part 1).

Seeded generated files (near-duplicates, bad rows, hostile values, opt-out flags, external ids,
extra columns) are imported, and everything the import wrote (job counts, rejected rows, leads,
their events, the import's record of its leads, consents, possible duplicates) is compared with
the recording made by the import as it was before (``data/import_equivalence.json``: per table
its row count and the SHA-256 of its rows as canonical JSON, ids replaced by their rank so that
both databases compare; the job counts in plain view). Set ``LEADFLOW_RECORD_EQUIVALENCE=1`` to
write the recording again (only on purpose: a change of what an import stores); when a digest
differs, ``LEADFLOW_DUMP_EQUIVALENCE=<file>`` writes the rows themselves, to diff against the
same dump made at the commit that recorded."""

import csv
import hashlib
import json
import os
import random
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db.models import ForeignKey, Model

from leadflow.imports.services.jobs import import_job_create
from leadflow.imports.services.run import import_run
from leadflow.programs.models import Program
from tests.conftest import NOW

RECORDING = Path(__file__).parent / "data" / "import_equivalence.json"
SEEDS = (1, 2, 3)
ROWS = 400
HEADER = [
    "Lead ID", "First Name", "Last Name", "Email", "Phone", "Company", "Website", "Country",
    "State", "Postal Code", "Industry", "budget", "authority", "timeframe_months",
    "Do Not Email", "Booth",
]  # fmt: skip

FIRST = ["Ada", "Bob", "Cy", "Dee", "Élodie", "José", "Zoë", "", "  ann  ", "O'Brien", "李"]
LAST = ["Lovelace", "Young", "Smith", "Müller", "", "de la Cruz", "Nguyen", "Ørsted"]
COMPANIES = ["Acme", "Acme Inc.", "Globex", "Initech GmbH", "", "Umbrella Corp", "Ünïcode AG"]
DOMAINS = [
    "example.com", "Example.COM", "mail.example.org", "xn--bcher-kva.example", "bücher.de",
    "localhost", "x.local", "a-b.co.uk", "1.2", "-bad.com", "bad-.com", "ex..com", "ab--cd.com",
    "gmail.com", "sub.domain.io", "x" * 70 + ".com", "test", "example.123",
]  # fmt: skip
LOCALS = [
    "ada", "Ada.Lovelace", "a+tag", "a..b", ".a", "a.", "o'brien", "x" * 70, "ü", "a b",
    "postmaster", "user_1", "!#$%&'*+-/=?^_`{|}~",
]  # fmt: skip
PHONES = [
    "", "(415) 555-0100", "+1 415.555.0100", "415-555-0100", "4155550100", "4155550100.0",
    "+44 20 7946 0958", "020 7946 0958", "12", "555-0100", "+1 (201) 555-0123 x12",
    "415_555_0100", "415 555 0100 (mobile)", "0049 30 1234567", "+999 1234", "(201) 155-0123",
    "+1 201 555 0123", "1 (201) 555-0123", "(011) 555-0123", "not a phone",
]  # fmt: skip
COUNTRIES = ["US", "USA", "United States", "DE", "GB", "", "Narnia", "fr"]
STATES = ["CA", "NY", "", "ZZ", "Bavaria", "PW"]
HOSTILE = ["=cmd|' /C calc'!A0", "a\x00b", "x" * 300, "<script>alert(1)</script>", "\u202eevil"]


def _email(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(["", "not-an-email", "@example.com", "a@", "a@b@c.com", "  "])
    text = f"{rng.choice(LOCALS)}{rng.randrange(100)}@{rng.choice(DOMAINS)}"
    return f"  {text.upper()} " if rng.random() < 0.1 else text


def _row(number: int, rng: random.Random) -> list[str]:
    row = [
        rng.choice([f"EXT-{number}", "", f"EXT-{number % 7}"]),
        rng.choice(FIRST),
        rng.choice(LAST),
        _email(rng),
        rng.choice(PHONES),
        rng.choice(COMPANIES),
        rng.choice(["", "https://www.example.com/", "acme.com", "not a url", "http://"]),
        rng.choice(COUNTRIES),
        rng.choice(STATES),
        rng.choice(["", "94105", " 10001 ", "sw1a 1aa"]),
        rng.choice(["Software", "", "Retail"]),
        rng.choice(["none", "preliminary", "approved", "", "lots"]),
        rng.choice(["none", "influencer", "Decision Maker", ""]),
        rng.choice(["", "1", "3", "6.0", "12", "soon", "-4"]),
        rng.choice(["", "yes", "no", "maybe", "TRUE"]),
        f"B{rng.randint(1, 9)}",
    ]
    if rng.random() < 0.05:
        row[rng.randrange(1, len(row))] = rng.choice(HOSTILE)
    return row


def _variation(row: list[str], rng: random.Random) -> list[str]:
    """The same person again: e-mail case and spaces, phone spelling, name case, gaps."""
    copy = list(row)
    kind = rng.randrange(4)
    if kind == 0:
        copy[3] = f"  {copy[3].upper()} "
    elif kind == 1:
        digits = "".join(c for c in copy[4] if c.isdigit())
        copy[4] = f"+1 {digits[:3]}.{digits[3:6]}.{digits[6:]}"
        copy[3] = ""
    elif kind == 2:
        copy[1], copy[2] = copy[1].upper(), copy[2].lower()
        copy[3], copy[4] = "", ""
    else:
        copy[0] = ""
        copy[10] = "Finance"
    return copy


def generate(path: Path, seed: int, rows: int = ROWS) -> None:
    rng = random.Random(seed)
    seen: list[list[str]] = []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(rows):
            if seen and rng.random() < 0.2:
                row = _variation(rng.choice(seen), rng)
            else:
                row = _row(number, rng)
                seen.append(row)
            if rng.random() < 0.02:
                row = [*row, "extra"]
            writer.writerow(row)


#: The apps whose rows an import writes.
APPS = ("leads", "imports", "intake")
#: JSON fields holding ids of other rows: (model label, field) → the model the ids are of.
ID_LISTS = {
    ("imports.ImportedLead", "event_ids"): "leads.LeadEvent",
    ("imports.ImportedLead", "merge_event_ids"): "leads.LeadEvent",
}
#: Fields that name the test's temporary folder.
SKIPPED_FIELDS = {"imports.ImportJob": {"path", "file"}}


def stored() -> dict[str, Any]:
    """Everything in the import's tables, ids replaced by their rank in their table."""
    models: list[type[Model]] = [
        model for label in APPS for model in apps.get_app_config(label).get_models()
    ]
    ranks: dict[str, dict[int, int]] = {
        model._meta.label: {
            pk: rank
            for rank, pk in enumerate(
                model._default_manager.order_by("pk").values_list("pk", flat=True)
            )
        }
        for model in models
    }
    dump: dict[str, Any] = {}
    for model in models:
        label = model._meta.label
        skipped = SKIPPED_FIELDS.get(label, set())
        rows = []
        for obj in model._default_manager.order_by("pk"):
            row: dict[str, Any] = {}
            for field in model._meta.concrete_fields:
                if field.name in skipped:
                    continue
                value = getattr(obj, field.attname)
                if field.primary_key:
                    value = ranks[label][value]
                elif isinstance(field, ForeignKey) and value is not None:
                    related = field.related_model
                    assert not isinstance(related, str)
                    target = related._meta.label
                    value = ranks[target][value] if target in ranks else target
                elif (label, field.name) in ID_LISTS:
                    value = [ranks[ID_LISTS[label, field.name]][pk] for pk in value]
                row[field.name] = value
            rows.append(row)
        if rows:
            dump[label] = rows
    jobs = ranks["imports.ImportJob"]
    text = json.dumps(dump, default=str, sort_keys=True)
    text = re.sub(r"import (\d+): ", lambda m: f"import {jobs[int(m[1])]}: ", text)
    return json.loads(text)


def recording(dump: dict[str, Any]) -> dict[str, Any]:
    return {
        "jobs": [
            {name: job[name] for name in ("created", "merged", "rejected", "warnings")}
            for job in dump["imports.ImportJob"]
        ],
        "tables": {
            label: {
                "rows": len(rows),
                "sha256": hashlib.sha256(
                    json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()
                ).hexdigest(),
            }
            for label, rows in sorted(dump.items())
        },
    }


@pytest.mark.parametrize("in_child", [False, True], ids=["in-process", "in-child"])
def test_imports_store_what_they_stored_before(
    program: Program, tmp_path: Path, in_child: bool
) -> None:
    """Prepared here or in the second process of a large file: the same rows stored."""
    for seed in SEEDS:  # one program: each file is also de-duplicated against the ones before
        path = tmp_path / f"leads-{seed}.csv"
        generate(path, seed)
        job, _ = import_job_create(
            program=program, path=path, original_name=path.name, uploaded_by=None, now=NOW
        )
        import_run(job=job, clock=lambda: NOW, chunk_rows=150, prepare_in_child=in_child)
    dump = stored()
    if target := os.environ.get("LEADFLOW_DUMP_EQUIVALENCE"):
        Path(target).write_text(json.dumps(dump, indent=1, sort_keys=True), encoding="utf-8")
    result = recording(dump)
    if os.environ.get("LEADFLOW_RECORD_EQUIVALENCE") and not in_child:
        RECORDING.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        pytest.skip("recording written")
    assert result == json.loads(RECORDING.read_text(encoding="utf-8"))
