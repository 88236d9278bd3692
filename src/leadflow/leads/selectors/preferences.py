"""How each user wants the lead list drawn (issue 17, item 4): the columns they chose and the
page size, read once per page load and applied to the table and the pagination.

The catalogue of columns lives here so the view, the chooser and the service that saves a
choice agree on one list of keys. "Lead" (the person's name and company) is always shown: it is
the link to the lead, and a row without it names nothing.
"""

from dataclasses import dataclass

from leadflow.accounts.models import User
from leadflow.leads.models import ListPreference


@dataclass(frozen=True, slots=True)
class ListColumn:
    key: str
    label: str
    #: The ``SORTS`` key the column's header sorts by ("" for an unsortable column).
    sort: str = ""


#: Every column the list can show, in the table's order. "lead" is always there.
LIST_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn("lead", "Lead", "company"),
    ListColumn("rating", "Rating", "rating"),
    ListColumn("stage", "Stage"),
    ListColumn("score", "Score", "score"),
    ListColumn("status", "Status", "status"),
    ListColumn("owner", "Owner"),
    ListColumn("source", "Source"),
    ListColumn("campaign", "Campaign"),
    ListColumn("program", "Program"),
    ListColumn("email", "E-mail"),
    ListColumn("phone", "Phone"),
    ListColumn("country", "Country"),
    ListColumn("created", "Created", "created"),
)
COLUMN_KEYS = tuple(column.key for column in LIST_COLUMNS)
ALWAYS_SHOWN = ("lead",)
#: What a user who never chose sees: the one-line summary of issue 17.
DEFAULT_COLUMNS = ("lead", "rating", "stage", "score", "status", "owner", "source", "created")
PAGE_SIZES = (25, 50, 100)
DEFAULT_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class ListSettings:
    """A user's list: the chosen column keys (catalogue order, "lead" first) and page size."""

    columns: tuple[str, ...] = DEFAULT_COLUMNS
    per_page: int = DEFAULT_PER_PAGE

    @property
    def shown(self) -> tuple[ListColumn, ...]:
        return tuple(column for column in LIST_COLUMNS if column.key in self.columns)


def list_columns_clean(keys: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Known keys only, in the catalogue's order, with the always-shown ones added: a column
    dropped from the catalogue later simply stops showing."""
    wanted = set(keys) | set(ALWAYS_SHOWN)
    return tuple(key for key in COLUMN_KEYS if key in wanted)


def list_settings_get(*, user: User) -> ListSettings:
    """The user's saved list, or the default for someone who never chose."""
    saved = ListPreference.objects.filter(user=user).first()
    if saved is None:
        return ListSettings()
    per_page = saved.per_page if saved.per_page in PAGE_SIZES else DEFAULT_PER_PAGE
    return ListSettings(columns=list_columns_clean(saved.columns), per_page=per_page)
