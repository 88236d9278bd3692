"""Writes of predictive scoring, by concept: ``training`` (train, switch, restore, re-score,
watch) and ``backtests`` (a history file backtested in the background)."""
