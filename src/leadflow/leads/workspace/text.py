"""How a stored value reads on the workspace and the pages that show a lead's qualification."""

from datetime import date

from leadflow.core.criteria import format_number


def label(value: str) -> str:
    """``decision_maker`` → ``Decision maker``: how a stored value reads on a page."""
    return value.replace("_", " ").capitalize()


def shown(value: object) -> str:
    """An answer or a history value as text: numbers as a person writes them, dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(shown(item) for item in value)
    return str(value)
