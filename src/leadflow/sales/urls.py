"""The sales pages, mounted at ``/sales/`` (namespace ``sales``) by ``config/urls.py``."""

from django.urls import URLPattern, URLResolver, path

from leadflow.sales.views import (
    assessments,
    calendar,
    demos,
    leads,
    proposals,
    references,
    setup,
    tasks,
)

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
    path("demos/<int:demo_id>/outcome", demos.demo_outcome_view, name="demo_outcome"),
    path("demos/<int:demo_id>/questionnaire", demos.demo_questionnaire, name="demo_questionnaire"),
    path(
        "demos/<int:demo_id>/questionnaire/attach",
        demos.demo_questionnaire_view,
        name="demo_questionnaire_attach",
    ),
    path("leads/<int:lead_id>/assessments/new", assessments.assessment_new, name="assessment_new"),
    path("assessments/<int:assessment_id>/", assessments.assessment_detail, name="assessment"),
    path(
        "assessments/<int:assessment_id>/progress",
        assessments.assessment_progress_view,
        name="assessment_progress",
    ),
    path(
        "assessments/<int:assessment_id>/return",
        assessments.assessment_return_view,
        name="assessment_return",
    ),
    path(
        "assessments/<int:assessment_id>/outcome",
        assessments.assessment_outcome_view,
        name="assessment_outcome",
    ),
    path(
        "assessments/<int:assessment_id>/document",
        assessments.assessment_document,
        name="assessment_document",
    ),
    path("proposals/<int:proposal_id>/", proposals.proposal_detail, name="proposal"),
    path(
        "proposals/<int:proposal_id>/approvals",
        proposals.proposal_decide_view,
        name="proposal_decide",
    ),
    path("proposals/<int:proposal_id>/send", proposals.proposal_send_view, name="proposal_send"),
    path("proposals/<int:proposal_id>/won", proposals.proposal_won_view, name="proposal_won"),
    path("proposals/<int:proposal_id>/lost", proposals.proposal_lost_view, name="proposal_lost"),
    path(
        "proposals/<int:proposal_id>/documents",
        proposals.proposal_document_upload,
        name="proposal_document_upload",
    ),
    path(
        "proposals/documents/<int:document_id>",
        proposals.proposal_document_download,
        name="proposal_document",
    ),
    path(
        "proposals/documents/<int:document_id>/delete",
        proposals.proposal_document_delete_view,
        name="proposal_document_delete",
    ),
    path(
        "proposals/<int:proposal_id>/references",
        proposals.proposal_reference_use_view,
        name="proposal_reference_use",
    ),
    path("references/", references.reference_index, name="references"),
    path("references/new", references.reference_new, name="reference_new"),
    path("references/<int:reference_id>/edit", references.reference_edit, name="reference_edit"),
    path("calendar/", calendar.calendar_page, name="calendar"),
    path("calendar/new", calendar.calendar_issue, name="calendar_issue"),
    path("calendar/revoke", calendar.calendar_revoke, name="calendar_revoke"),
    path("feed/<str:token>.ics", calendar.calendar_feed, name="feed"),
    path("setup/", setup.setup_index, name="setup_index"),
    path("programs/<int:program_id>/setup", setup.setup_page, name="setup"),
    path("programs/<int:program_id>/kits/new", setup.kit_new, name="kit_new"),
    path("programs/<int:program_id>/kits/<int:kit_id>/", setup.kit_edit, name="kit"),
    path(
        "programs/<int:program_id>/kits/<int:kit_id>/documents",
        setup.kit_document_upload,
        name="kit_document_add",
    ),
    path(
        "programs/<int:program_id>/kits/<int:kit_id>/documents/<int:document_id>",
        setup.kit_document_download,
        name="kit_document",
    ),
    path(
        "programs/<int:program_id>/kits/<int:kit_id>/documents/<int:document_id>/delete",
        setup.kit_document_remove,
        name="kit_document_delete",
    ),
]
