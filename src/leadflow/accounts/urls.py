"""Signing in (password, then a code for two-step sign-in) and out, the two-step sign-in
page, and Django's password pages. The API tokens pages share the
``accounts/`` prefix and namespace but belong to the ``api`` app (see ``config/urls.py``)."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path, reverse_lazy

from leadflow.accounts import views

app_name = "accounts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.two_step_verify_view, name="two_step_verify"),
    path("two-step/", views.two_step_view, name="two_step"),
    path("", views.account_view, name="account"),
    path("two-step/off/", views.two_step_off_view, name="two_step_off"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's own password views; the URLs they redirect to are named in this namespace.
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password_reset_done"),
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
