"""The lead pages' URLs, one list per prefix (``config/urls.py`` includes each under its own
namespace): the queue under ``/queue/`` (``queue:``), one lead's workspace under ``/leads/<id>/``
(``workspace:``), and the home page and the lead list at the root (``leads:``). The workspace's
patterns are included before the list's, which also start with ``leads/``."""

from django.urls import URLPattern, URLResolver, path

from leadflow.leads.views import home, lead_list, queue, workspace

app_name = "leads"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="home"),
    path("leads/", lead_list.lead_list_view, name="list"),
    path("leads/export.csv", lead_list.lead_export, name="export"),
    path("leads/bulk/", lead_list.lead_bulk, name="bulk"),
    path("leads/columns/", lead_list.list_settings_update, name="columns"),
    path("leads/filters/", lead_list.saved_filter_create, name="filter_save"),
    path(
        "leads/filters/<int:filter_id>/delete/",
        lead_list.saved_filter_remove,
        name="filter_delete",
    ),
]

#: Under ``/queue/``, namespace ``queue``.
queue_patterns: list[URLPattern | URLResolver] = [
    path("", queue.queue_index, name="index"),
    path("next/", queue.queue_next, name="next"),
]

#: Under ``/leads/``, namespace ``workspace``.
workspace_patterns: list[URLPattern | URLResolver] = [
    path("<int:lead_id>/", workspace.workspace_detail, name="detail"),
    path("<int:lead_id>/preview", workspace.workspace_preview, name="preview"),
    path("<int:lead_id>/answers", workspace.workspace_answers, name="answers"),
    path("<int:lead_id>/calls", workspace.workspace_call, name="call"),
    path("<int:lead_id>/submit", workspace.workspace_submit, name="submit"),
    path("<int:lead_id>/nurture", workspace.workspace_nurture, name="nurture"),
    path("<int:lead_id>/dead-file", workspace.workspace_dead_file, name="dead_file"),
    path("<int:lead_id>/disqualify", workspace.workspace_disqualify, name="disqualify"),
    path("<int:lead_id>/release", workspace.workspace_release, name="release"),
]
