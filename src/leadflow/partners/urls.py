from django.urls import URLPattern, URLResolver, path

from leadflow.partners.views import admin, bulk, manage, portal, queue, registrations, status

app_name = "partners"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", portal.inbox, name="inbox"),
    path("record/", portal.record, name="record"),
    # The notification e-mails link here (``services.notify.portal_path``).
    path("leads/<int:lead_id>/", portal.lead_detail, name="lead"),
    path("leads/<int:lead_id>/claim/", portal.lead_claim_view, name="claim"),
    path("leads/<int:lead_id>/decline/", portal.lead_decline_view, name="decline"),
    path("leads/<int:lead_id>/contact/", portal.lead_contact_view, name="contact"),
    path("leads/<int:lead_id>/outcome/", portal.lead_outcome_view, name="outcome"),
    path("register/", registrations.register, name="register"),
    # The weekly status e-mail's links (``services.status.status_path``): no login.
    path(
        "status/<int:mail_id>/<int:lead_id>/<str:step>/<str:token>/",
        status.status_link,
        name="status_link",
    ),
    path("manage/", manage.partner_index, name="manage"),
    path("manage/status/", status.unanswered, name="manage_status"),
    path("manage/registrations/", registrations.pending, name="manage_registrations"),
    path(
        "manage/registrations/<int:registration_id>/",
        registrations.decide,
        name="manage_registration_decide",
    ),
    path("manage/queue/", queue.queue, name="manage_queue"),
    path("manage/queue/<int:lead_id>/", queue.queue_decide, name="manage_queue_decide"),
    path(
        "manage/<int:partner_id>/leads/<int:lead_id>/reassign/",
        queue.lead_reassign_view,
        name="manage_reassign",
    ),
    path("manage/<int:partner_id>/", manage.partner_detail, name="manage_detail"),
    # The lead list's "Give to a partner" (registered in ``config/leads.py``).
    path("bulk/give", bulk.give_to_partner, name="bulk_give"),
    path("setup/", admin.setup_index, name="setup"),
    path("setup/new/", admin.partner_new, name="setup_new"),
    path("setup/<int:partner_id>/", admin.partner_edit, name="setup_partner"),
    path("setup/<int:partner_id>/members/", admin.member_add, name="setup_member_add"),
    path(
        "setup/<int:partner_id>/members/<int:user_id>/remove/",
        admin.member_remove,
        name="setup_member_remove",
    ),
    path("setup/levels/<int:client_id>/", admin.levels_edit, name="setup_levels"),
    path("setup/sla/<slug:slug>/", admin.sla_edit, name="setup_sla"),
]
