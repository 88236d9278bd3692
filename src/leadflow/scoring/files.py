"""A history file for a backtest: past leads with their outcome, as a CSV or XLSX export
(issue 19, item 4). Read through the import reader (``imports.reading.open_table``: the kind by
content, the encoding rule, XLSX parsed in its sandboxed child), under the import limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from leadflow.core.scoring import ScoringError
from leadflow.core.scoring.features import is_missing
from leadflow.imports.reading import ImportFileError, open_table
from leadflow.imports.services.jobs import import_max_bytes, import_reader_limits

POSITIVE_WORDS = frozenset(
    {"1", "true", "yes", "y", "won", "closed won", "converted", "positive", "success"}
)
NEGATIVE_WORDS = frozenset(
    {"0", "false", "no", "n", "lost", "closed lost", "not converted", "negative", "failure"}
)


@dataclass(frozen=True)
class HistoryFile:
    """The rows with a known outcome (the outcome column left out), their outcomes, the file's
    header, and how many rows were skipped (no outcome, or a row the reader could not read)."""

    header: list[str]
    records: list[dict[str, object]]
    outcomes: list[bool]
    skipped: int


def history_file_read(
    path: Path, *, outcome: str, positive: str | None = None, excluded: tuple[str, ...] = ()
) -> HistoryFile:
    """Read ``path``; raise ScoringError in plain words when it cannot be backtested."""
    try:
        table = open_table(
            path, max_bytes=import_max_bytes(), name=path.name, limits=import_reader_limits()
        )
        header = [name.strip() for name in table.header]
        if outcome not in header:
            raise ScoringError(
                f"the file has no column {outcome!r}. Its columns: {', '.join(header)}"
            )
        unknown = [name for name in excluded if name not in header]
        if unknown:
            raise ScoringError(
                f"--exclude: the file has no column {', '.join(map(repr, unknown))}. "
                f"Its columns: {', '.join(header)}"
            )
        at = header.index(outcome)
        records: list[dict[str, object]] = []
        values: list[str] = []
        skipped = 0
        for row in table.rows():
            cells = row.values + [""] * (len(header) - len(row.values))
            if row.problem or is_missing(cells[at]):
                skipped += 1
                continue
            values.append(cells[at].strip())
            records.append(
                {name: cell for name, cell in zip(header, cells, strict=False) if name != outcome}
            )
    except ImportFileError as exc:
        raise ScoringError(f"{path}: {exc}") from None
    return HistoryFile(header, records, _outcomes(values, outcome, positive), skipped)


def _outcomes(values: list[str], outcome: str, positive: str | None) -> list[bool]:
    distinct = sorted({value.lower() for value in values})
    if not distinct:
        raise ScoringError(f"no row has a value in the outcome column {outcome!r}")
    if positive is not None:
        wanted = positive.strip().lower()
        if wanted not in distinct:
            raise ScoringError(
                f"--positive: no row has {positive!r} in {outcome!r}; its values: "
                + ", ".join(distinct[:20])
            )
        found = [value.lower() == wanted for value in values]
    else:
        unknown = [value for value in distinct if value not in POSITIVE_WORDS | NEGATIVE_WORDS]
        if unknown:
            raise ScoringError(
                f"the outcome column {outcome!r} has values {', '.join(distinct[:20])}: "
                "say which one means converted with --positive VALUE"
            )
        found = [value.lower() in POSITIVE_WORDS for value in values]
    if len(distinct) < 2:
        raise ScoringError(
            f"the outcome column {outcome!r} has one value only ({distinct[0]}): a backtest "
            "needs leads that converted and leads that did not"
        )
    if all(found) or not any(found):
        raise ScoringError(
            f"every row of {outcome!r} is {'converted' if found[0] else 'not converted'}: "
            "a backtest needs leads that converted and leads that did not"
        )
    return found
