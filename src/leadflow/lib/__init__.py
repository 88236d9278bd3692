"""Helpers every app may use that write no rows of their own and know no app: the raw row
writer (``rows``), the lead-event bus (``events``), CSV-safe cells and the like."""
