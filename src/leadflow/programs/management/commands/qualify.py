"""``leadflow qualify``: qualify JSON Lines from standard input with a program's criteria.

The interface is a contract (issue: foundation): one JSON object in, one JSON object out, in
order; a bad line gives ``{"line": N, "error": ...}`` in its place and the exit status 1.
"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.core.enums import DisqualificationReason
from leadflow.core.errors import CriteriaError
from leadflow.core.qualification import parse_answers, qualify


class Command(BaseCommand):
    help = "Qualify leads given as JSON Lines on standard input; write one JSON line per lead."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--program", metavar="SLUG", help="use this program's published criteria"
        )
        source.add_argument("--criteria", metavar="FILE", help="criteria as JSON or YAML")

    def handle(self, *args: Any, **options: Any) -> None:
        criteria, version = self._criteria(options["program"], options["criteria"])
        failed = False
        out = self.stdout
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                result = qualify_line(criteria, line, version)
            except (CriteriaError, ValueError) as exc:
                failed = True
                result = {"line": number, "error": str(exc)}
            out.write(json.dumps(result, ensure_ascii=False))
        if failed:
            sys.exit(1)

    def _criteria(
        self, slug: str | None, path: str | None
    ) -> tuple[QualifyingCriteria, int | None]:
        if path:
            try:
                return QualifyingCriteria.load(Path(path)), None
            except (OSError, CriteriaError) as exc:
                raise CommandError(f"cannot use criteria file {path}: {exc}", returncode=2) from exc
        if slug:
            from leadflow.programs.models import Program
            from leadflow.programs.selectors import program_published_criteria

            try:
                published = program_published_criteria(program=Program.objects.get(slug=slug))
            except Program.DoesNotExist as exc:
                raise CommandError(
                    f"no program {slug!r} with published criteria", returncode=2
                ) from exc
            return published.criteria, published.number
        return default_criteria(), None


def qualify_line(criteria: QualifyingCriteria, line: str, version: int | None) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(data, dict):
        raise ValueError("a line must be a JSON object")
    lead_id = data.pop("id", None)
    disqualified = data.pop("disqualified", False)
    if disqualified is None:
        disqualified = False
    if not isinstance(disqualified, bool):
        try:
            reason: DisqualificationReason | None = DisqualificationReason(disqualified)
        except ValueError:
            known = ", ".join(r.value for r in DisqualificationReason)
            raise ValueError(f"disqualified: must be true, false or one of {known}") from None
    else:
        reason = DisqualificationReason.UNSPECIFIED if disqualified else None
    result = qualify(
        criteria,
        parse_answers(criteria, data),
        disqualified=reason,
        criteria_version=version,
    )
    return {
        "id": lead_id,
        "stage": result.stage.value,
        "rating": result.rating.value if result.rating else None,
        "bant": result.bant.as_dict(),
        "score": result.score,
        "explanation": list(result.explanation),
    }
