"""What the apps above ``leads`` add to its pages and its API (STYLE.md 11: apps plug in).

``leads`` names no app built on it. An app that shows something on a lead's page, runs a bulk
action of the lead list or puts work in the qualifier's queue lists it here, as
``config/schedule.py`` lists periodic jobs; the leads views read these tables when they draw
and import each function by its dotted path (``django.utils.module_loading.import_string``).
The tables are data (dotted paths, URL names, capability names), so this module imports
nothing of the apps and sits at the bottom of the app ladder with config's other registries.

- ``LEAD_PANELS``: panels on a lead's page (the workspace's side column). Each is the dotted
  path of ``panel(*, request, lead) -> str``: the panel's HTML drawn by the app's own template
  (so escaped there), or ``""`` when it has nothing to show this user about this lead.
- ``LEAD_LIST_ACTIONS``: bulk actions of the lead list that an app runs itself. A button on
  the list's bulk bar posts the picked leads (``lead``: ids; ``query``: the list's filters) to
  the app's URL; the button shows to users holding the capability (the plain string value of
  ``accounts.permissions.Capability``). The app's view re-reads the leads through
  ``leads.selectors.lists.leads_selected`` (scoped), asks for confirmation and runs its own
  service.
- ``QUEUE_SECTIONS``: sections of the qualification queue page below "take next lead". Each is
  the dotted path of ``section(*, request, user, now) -> str`` (HTML, ``""`` for nothing).
- ``HOME_SECTIONS``: sections of the home page, below the role's own cards. Each is the dotted
  path of ``section(*, request, user, now) -> str`` (HTML, ``""`` for nothing to show).
- ``LEAD_DETAIL_EXTRAS``: what the API's ``GET /leads/{id}`` adds to the lead. Each is the
  dotted path of ``extra(*, lead) -> dict[str, Any]``, whose keys are fields that
  ``leads.schemas.LeadDetailOut`` declares (so the OpenAPI documents them): ``nurture``.
- ``LEAD_ENGAGEMENT``: where a lead's engagement events come from (responses to nurture),
  which its qualification scores by the program's point rules. Each is the dotted path of
  ``source(*, lead_ids) -> dict[int, list[core.qualification.EngagementEvent]]``, called once
  for a batch of leads.
- ``LEAD_ENGAGEMENT_COLUMNS``: the same sources, each as a column of the lead's own query, for
  a writer that reads one locked lead and its engagement in one statement (a capture's merge,
  PostgreSQL). Each is the dotted path of ``column() -> (expression, read)``: an expression
  annotated on ``Lead`` (its value the lead's events, oldest first) and ``read(value) ->
  list[core.qualification.EngagementEvent]``. Lists what ``LEAD_ENGAGEMENT`` lists, in order.
- ``LEAD_PREDICTIONS``: where a lead's predicted chance of converting comes from (the
  scoring app's switched-on model), which the program's prediction point rules read
  ("predicted at least 40 % → +20"). Each is the dotted path of
  ``source(*, lead_ids) -> dict[int, float]`` (0-1), called once for a batch of leads, and
  only when the criteria have a prediction rule; the first source that knows a lead wins.
- ``LEAD_LIST_VIEWS``: built-in views of the lead list, beside each user's saved filters
  (``?view=<slug>``): the stages the view keeps and the dotted paths of the apps' extra
  columns for it, each ``columns(*, lead_ids) -> list[tuple[str, dict[int, str]]]`` (a
  column's label and its text per lead, for a page or an export chunk at once), shown in the
  table and added to the CSV export.
- ``QUEUE_FIRST``: leads that come first among their rating in the qualification queue (a
  nurtured lead that responded and has not been worked since). Each is the dotted path of
  ``condition() -> Q``, a filter on ``Lead``.
- ``QUEUE_ORDER``: what orders the qualification queue within a rating, after ``QUEUE_FIRST``
  and before the score (the predicted chance of converting, for programs whose settings ask
  for it). Each is the dotted path of ``order() -> Expression``, a value of ``Lead`` (a
  subquery, no join that could repeat a row): higher first, none last.
- ``UNSUBSCRIBE_LINKS``: where an e-mail that is no nurture touch (a marketing sales kit) gets
  its one-click unsubscribe address, for its ``List-Unsubscribe`` header and its last line.
  Each is the dotted path of ``link(*, client_id, email) -> str``: an HTTPS URL that
  unsubscribes that address from that client's e-mail (GET to confirm, RFC 8058 POST), signed
  so nobody can make another's, or ``""`` for none; the first non-empty one is used.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ListAction:
    label: str
    url_name: str
    capability: str


@dataclass(frozen=True, slots=True)
class ListView:
    slug: str
    label: str
    stages: tuple[str, ...]
    columns: tuple[str, ...] = ()


LEAD_PANELS: tuple[str, ...] = (
    # First: the predicted chance belongs beside the qualification's rating.
    "leadflow.scoring.annotations.lead_scoring_panel",
    "leadflow.nurture.views.leads.lead_nurture_panel",
    "leadflow.sales.views.leads.lead_sales_panel",
    "leadflow.appointments.views.booking.lead_appointments_panel",
)

LEAD_LIST_ACTIONS: tuple[ListAction, ...] = (
    ListAction("Enrol in sequence", "nurture:enrol", "nurture.manage"),
    ListAction("Give to a partner", "partners:bulk_give", "partners.manage"),
)

QUEUE_SECTIONS: tuple[str, ...] = (
    "leadflow.nurture.views.leads.queue_responded",
    "leadflow.nurture.views.leads.queue_call_tasks",
)

HOME_SECTIONS: tuple[str, ...] = ("leadflow.sales.views.home.home_my_tasks",)

LEAD_DETAIL_EXTRAS: tuple[str, ...] = ("leadflow.nurture.api.lead_nurture_detail",)

LEAD_ENGAGEMENT: tuple[str, ...] = ("leadflow.nurture.selectors.leads_engagement",)

LEAD_ENGAGEMENT_COLUMNS: tuple[str, ...] = ("leadflow.nurture.selectors.lead_engagement_column",)

LEAD_PREDICTIONS: tuple[str, ...] = ("leadflow.scoring.selectors.leads_predicted",)

QUEUE_FIRST: tuple[str, ...] = ("leadflow.nurture.selectors.responded_not_yet_worked",)

QUEUE_ORDER: tuple[str, ...] = ("leadflow.scoring.selectors.queue_probability",)

UNSUBSCRIBE_LINKS: tuple[str, ...] = ("leadflow.nurture.tracking.unsubscribe_link",)

#: The two databases of a qualifying procedure (issue 15): leads below Opportunity, and the
#: prospects (Opportunity and Qualified Opportunity) with the sales follow-up's columns.
LEAD_LIST_VIEWS: tuple[ListView, ...] = (
    ListView("leads", "Leads", ("inquiry", "lead")),
    ListView(
        "prospects",
        "Prospects",
        ("opportunity", "qualified_opportunity"),
        ("leadflow.sales.selectors.prospects.prospect_columns",),
    ),
)

TIMELINE_KINDS: dict[str, str] = {
    "calls": "Calls",
    "emails": "E-mails sent",
    "status": "Status changes",
    "reviews": "Reviews",
    "deliveries": "Deliveries",
    "partners": "Partner steps",
    "nurture": "Nurture touches",
    "tasks": "Tasks",
    "appointments": "Appointments",
    "changes": "Other changes",
}

TIMELINE_NOTE_KINDS: dict[str, str] = {
    "nurture": "nurture",
    "sales": "tasks",
    "routing": "partners",
    "appointments": "appointments",
}

TIMELINE_ENTRIES: tuple[str, ...] = ("leadflow.sales.selectors.timeline.lead_timeline_tasks",)
