"""The lead list's per-user settings (issue 17, item 4): the column chooser and the page size,
saved on the server so they follow the user from browser to browser."""

from collections.abc import Sequence
from datetime import datetime

from leadflow.accounts.models import User
from leadflow.core.errors import InputError
from leadflow.leads.models import ListPreference
from leadflow.leads.selectors.preferences import (
    COLUMN_KEYS,
    PAGE_SIZES,
    ListSettings,
    list_columns_clean,
)


def list_settings_save(
    *, user: User, columns: Sequence[str], per_page: int, now: datetime
) -> ListSettings:
    """Keep the user's chosen columns and page size; anything unknown is refused whole, so a
    bad request never leaves half a choice saved."""
    unknown = sorted(set(columns) - set(COLUMN_KEYS))
    if unknown:
        raise InputError("columns", f"the list has no column “{unknown[0]}”")
    if per_page not in PAGE_SIZES:
        sizes = ", ".join(str(size) for size in PAGE_SIZES)
        raise InputError("per_page", f"a page shows {sizes} leads, not {per_page}")
    chosen = list_columns_clean(list(columns))
    ListPreference.objects.update_or_create(
        user=user, defaults={"columns": list(chosen), "per_page": per_page, "updated_at": now}
    )
    return ListSettings(columns=chosen, per_page=per_page)
