"""What the apps above ``programs`` add to the admin pages (STYLE.md 11: apps plug in).

The users pages and the admin changes' history live in ``programs.administration``, which may
not import the apps built on it. An app that shows something on a user's page, or owns a kind
of object whose changes the history lists, names its function here by dotted path; the pages
import it with ``django.utils.module_loading.import_string`` when they draw. The tables are
data only, so this module sits at the bottom of the ladder with config's other registries.

- ``USER_PAGE_PANELS``: panels on a user's page (``/users/<id>/``), below who they are. Each
  is the dotted path of ``panel(*, request, person) -> str``: the panel's HTML drawn by the
  app's own template (escaped there), or ``""`` when it has nothing to show about ``person``.
- ``CHANGE_SCOPES``: for a kind of object of ``accounts.models.ChangeKind`` that the programs
  app cannot see (a partner), which of its objects' changes a person who is no admin may read
  on the history page: the dotted path of ``visible(*, user) -> QuerySet`` of the objects'
  ids (``values("pk")``), the same rule as the app's own pages, so what is out of their scope
  there is out of it in the history too.
- ``CHANGE_LINKS``: for such a kind, the URL name of the object's page (one ``int`` argument,
  its id), which the history page links each change to.
"""

USER_PAGE_PANELS: tuple[str, ...] = ("leadflow.partners.views.members.user_partners_panel",)

CHANGE_SCOPES: dict[str, str] = {"partner": "leadflow.partners.scopes.partners_managed"}

#: Where the history page links an object of a kind the programs app does not own: the URL
#: name of its page, reversed with the object's id.
CHANGE_LINKS: dict[str, str] = {
    "partner": "partners:setup_partner",
    "client": "partners:setup_levels",
}
