"""The import stores exactly what it stored before its speed-ups (issue 18, part 1).

Seeded generated files (``rowgen.generate_edge_cases``: near-duplicates, bad rows, hostile
values, opt-out flags, external ids, extra columns) are imported, and everything the import
wrote (job counts, rejected rows, leads, their events, the import's record of its leads,
consents, possible duplicates) is compared with the recording made by the import as it was
before (``data/import_equivalence.json``: per table its row count and the SHA-256 of its rows
as canonical JSON, ids replaced by their rank so that both databases compare; the job counts
in plain view). Set ``LEADFLOW_RECORD_EQUIVALENCE=1`` to write the recording again (only on
purpose: a change of what an import stores); when a digest differs,
``LEADFLOW_DUMP_EQUIVALENCE=<file>`` writes the rows themselves, to diff against the
same dump made at the commit that recorded."""

import hashlib
import json
import os
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
from tests.imports.rowgen import generate_edge_cases

RECORDING = Path(__file__).parent / "data" / "import_equivalence.json"
SEEDS = (1, 2, 3)
ROWS = 400

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
        generate_edge_cases(path, seed, ROWS)
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
