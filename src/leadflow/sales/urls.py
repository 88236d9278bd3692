"""The sales pages, mounted at ``/sales/`` (namespace ``sales``) by ``config/urls.py``."""

from django.urls import URLPattern, URLResolver, path

from leadflow.sales.views import calendar, demos, leads, proposals, references, tasks

app_name = "sales"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", tasks.task_index, name="tasks"),
    path("tasks/<int:task_id>/done", tasks.task_done_view, name="task_done"),
    path("tasks/<int:task_id>/cancel", tasks.task_cancel_view, name="task_cancel"),
    path("leads/<int:lead_id>/", leads.lead_detail, name="lead"),
    path("leads/<int:lead_id>/kit", leads.kit_send_view, name="kit_send"),
    path("leads/<int:lead_id>/demos/new", demos.demo_new, name="demo_new"),
    path("leads/<int:lead_id>/proposals/new", proposals.proposal_new, name="proposal_new"),
    path("demos/<int:demo_id>/reschedule", demos.demo_reschedule_view, name="demo_reschedule"),
    path("demos/<int:demo_id>/cancel", demos.demo_cancel_view, name="demo_cancel"),
    path("demos/<int:demo_id>/invite.ics", demos.demo_ics, name="demo_ics"),
    path("proposals/<int:proposal_id>/", proposals.proposal_detail, name="proposal"),
    path(
        "proposals/<int:proposal_id>/approvals",
        proposals.proposal_decide_view,
        name="proposal_decide",
    ),
    path("proposals/<int:proposal_id>/send", proposals.proposal_send_view, name="proposal_send"),
    path("proposals/<int:proposal_id>/won", proposals.proposal_won_view, name="proposal_won"),
    path("proposals/<int:proposal_id>/lost", proposals.proposal_lost_view, name="proposal_lost"),
    path("references/", references.reference_index, name="references"),
    path("calendar/", calendar.calendar_page, name="calendar"),
    path("calendar/new", calendar.calendar_issue, name="calendar_issue"),
    path("calendar/revoke", calendar.calendar_revoke, name="calendar_revoke"),
    path("feed/<str:token>.ics", calendar.calendar_feed, name="feed"),
]
