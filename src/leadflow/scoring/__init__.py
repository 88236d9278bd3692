"""Predictive scoring (issue 19; docs/SCORING.md): the app side of ``leadflow.core.scoring``:
models per client and program trained on their own outcomes, re-scoring, scoring at capture,
monitoring, the Scoring pages and the ``leadflow scoring backtest`` command."""
