"""``leadflow scoring backtest FILE --outcome COLUMN [--positive VALUE] [--exclude COL,COL…]
[--folds 5] [--seed 0] [--format json]`` (issue 19, item 4: a contract; docs/SCORING.md,
"The backtest").

Reads a CSV or XLSX export of past leads, builds the features the product would, runs the
product's training with stratified k-fold cross-validation, and prints the backtest: as JSON
``{"rows", "positives", "auc", "auc_folds", "brier", "calibration", "top_features"}``, else a
short summary in plain words. Errors go to standard error in plain words with exit code 2, and
nothing is printed to standard output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadflow.scoring.models import KIND_TEXT

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Predictive scoring: backtest the product's model on a history file."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        backtest = commands.add_parser(
            "backtest",
            help="cross-validate the product's model on a CSV/XLSX file of past leads",
            description="Cross-validate the product's model on a CSV/XLSX file of past leads.",
        )
        backtest.add_argument("file", metavar="FILE", help="a CSV or XLSX export of past leads")
        backtest.add_argument(
            "--outcome", required=True, metavar="COLUMN", help="the column with the outcome"
        )
        backtest.add_argument(
            "--positive",
            default=None,
            metavar="VALUE",
            help="the outcome value that means converted (default: 1, yes, true, won …)",
        )
        backtest.add_argument(
            "--exclude",
            default="",
            metavar="COL,COL…",
            help="columns never to use, such as those recorded after the outcome",
        )
        backtest.add_argument("--folds", type=int, default=5, help="cross-validation folds")
        backtest.add_argument("--seed", type=int, default=0, help="the folds' shuffle")
        backtest.add_argument("--format", choices=("json",), default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        from leadflow.core.scoring import Schema, ScoringError, Settings, metrics_json, model_train
        from leadflow.scoring.files import history_file_read

        if options["folds"] < 2:
            raise CommandError("--folds: at least 2", returncode=USAGE_ERROR)
        excluded = tuple(name.strip() for name in options["exclude"].split(",") if name.strip())
        path = Path(options["file"])
        try:
            history = history_file_read(
                path, outcome=options["outcome"], positive=options["positive"], excluded=excluded
            )
            model = model_train(
                history.records,
                history.outcomes,
                schema=Schema(excluded=frozenset(excluded)),
                settings=Settings(folds=options["folds"], seed=options["seed"]),
                outcome_column=options["outcome"],
            )
        except ScoringError as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR) from None
        figures = metrics_json(model.metrics)
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, indent=2))
            return
        self.stdout.write(summary(path.name, figures, model.kind, model.plan.refused))


def summary(name: str, figures: dict[str, Any], kind: str, refused: Any) -> str:
    """The backtest in a few plain lines."""
    rows, positives = figures["rows"], figures["positives"]
    folds = ", ".join(f"{auc:.3f}" for auc in figures["auc_folds"])
    lines = [
        f"Backtest of {name}: {rows:,} leads with an outcome, {positives:,} converted "
        f"({100 * positives / rows:.1f} %).",
        f"Model: {KIND_TEXT.get(kind, kind)}.",
        f"AUC {figures['auc']:.3f} (0.5 is chance, 1 is perfect); by fold: {folds}.",
        f"Brier score {figures['brier']:.3f} (lower is better).",
        "Calibration: predicted → observed (leads)",
    ]
    lines += [
        f"  {100 * row['predicted']:5.1f} % → {100 * row['observed']:5.1f} %  ({row['count']:,})"
        for row in figures["calibration"]
    ]
    top = figures["top_features"][:5]
    lines.append(
        "Strongest factors (mean points of probability): "
        + ", ".join(f"{item['feature']} {item['importance']:.1f}" for item in top)
    )
    if refused:
        lines.append("Not used: " + "; ".join(f"{item.column} ({item.reason})" for item in refused))
    return "\n".join(lines)
