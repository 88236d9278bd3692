"""The nurture pages, mounted at ``/nurture/`` (namespace ``nurture``) by ``config/urls.py``.
The public addresses of the e-mails (tracked links, unsubscribe, the provider's webhook) are
in ``urls_public.py``."""

from django.urls import URLPattern, URLResolver, path

from leadflow.nurture.views import enrollments, leads, sequences, touches

app_name = "nurture"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", sequences.sequence_index, name="index"),
    path("new", sequences.sequence_new, name="sequence_new"),
    path("<int:sequence_id>/", sequences.sequence_detail, name="sequence"),
    path("<int:sequence_id>/settings", sequences.sequence_edit, name="sequence_edit"),
    path("<int:sequence_id>/delete", sequences.sequence_remove, name="sequence_delete"),
    path("<int:sequence_id>/touches/new", touches.touch_new, name="touch_new"),
    path("<int:sequence_id>/touches/<int:touch_id>/", touches.touch_edit, name="touch_edit"),
    path(
        "<int:sequence_id>/touches/<int:touch_id>/move",
        touches.touch_move_view,
        name="touch_move",
    ),
    path(
        "<int:sequence_id>/touches/<int:touch_id>/delete",
        touches.touch_delete_view,
        name="touch_delete",
    ),
    path(
        "<int:sequence_id>/touches/<int:touch_id>/preview",
        touches.touch_preview,
        name="touch_preview",
    ),
    path("<int:sequence_id>/leads", enrollments.enrollment_list, name="enrollments"),
    path("<int:sequence_id>/mailing-list", enrollments.mailing_list_page, name="mailing_list"),
    path(
        "<int:sequence_id>/mailing-list/export",
        enrollments.mailing_list_export,
        name="mailing_list_export",
    ),
    path(
        "<int:sequence_id>/mailing-list.<str:kind>",
        enrollments.mailing_list_file,
        name="mailing_list_file",
    ),
    path("programs/<slug:slug>/sending", sequences.program_sending, name="sending"),
    path("enrol", leads.enrol, name="enrol"),
    path("leads/<int:lead_id>/responded", leads.responded, name="responded"),
    path("leads/<int:lead_id>/leave", leads.leave, name="leave"),
    path("leads/<int:lead_id>/bounced", leads.bounced, name="bounced"),
    path("calls/<int:task_id>/done", leads.call_done, name="call_done"),
]
