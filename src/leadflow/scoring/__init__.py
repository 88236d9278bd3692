"""Predictive scoring (issue 19; docs/SCORING.md): the app side of ``leadflow.core.scoring``.
This session: the ``leadflow scoring backtest`` command; the stored models come next."""
