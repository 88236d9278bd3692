"""What the apps above show beside a lead's rating (``config/ratings.py``): the predicted
chance of converting on the lead list, its export, the review batch and the partner inbox.
``leads`` names none of those apps: each source is imported by its dotted path and called once
for all the leads of a page or of an export chunk."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from leadflow.config.ratings import RATING_NOTES, RatingNote


@cache
def _source(path: str) -> Any:
    return import_string(path)


def rating_notes(*, page: str, lead_ids: Sequence[int]) -> dict[int, RatingNote]:
    """Each lead's note beside its rating on ``page``; a lead no source speaks of is left out.
    Two sources' notes of one lead are joined with " · "."""
    found: dict[int, RatingNote] = {}
    if not lead_ids:
        return found
    for source in RATING_NOTES.get(page, ()):
        for lead_id, note in _source(source.path)(lead_ids=list(lead_ids)).items():
            before = found.get(lead_id)
            if before is None:
                found[lead_id] = note
            else:
                found[lead_id] = RatingNote(
                    f"{before.text} · {note.text}",
                    " ".join(filter(None, [before.detail, note.detail])),
                )
    return found


def rating_note_columns(*, page: str, lead_ids: Sequence[int]) -> list[tuple[str, dict[int, str]]]:
    """The notes as the export's columns: each source's label and its text per lead."""
    columns = []
    for source in RATING_NOTES.get(page, ()):
        notes = _source(source.path)(lead_ids=list(lead_ids)) if lead_ids else {}
        columns.append((source.label, {lead_id: note.text for lead_id, note in notes.items()}))
    return columns
