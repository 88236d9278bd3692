from django.urls import URLPattern, URLResolver, path

import leadflow.leads.views_workspace as views

app_name = "workspace"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:lead_id>/", views.workspace_detail, name="detail"),
    path("<int:lead_id>/preview", views.workspace_preview, name="preview"),
    path("<int:lead_id>/answers", views.workspace_answers, name="answers"),
    path("<int:lead_id>/calls", views.workspace_call, name="call"),
    path("<int:lead_id>/submit", views.workspace_submit, name="submit"),
    path("<int:lead_id>/nurture", views.workspace_nurture, name="nurture"),
    path("<int:lead_id>/dead-file", views.workspace_dead_file, name="dead_file"),
    path("<int:lead_id>/disqualify", views.workspace_disqualify, name="disqualify"),
    path("<int:lead_id>/release", views.workspace_release, name="release"),
]
