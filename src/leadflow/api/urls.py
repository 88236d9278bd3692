"""The API tokens pages. ``config/urls.py`` mounts them under ``accounts/`` in the ``accounts``
namespace (``accounts:tokens``, ``accounts:token_revoke``), where they have always been: the
pages belong to the API, the addresses to the user's account."""

from django.urls import URLPattern, URLResolver, path

from leadflow.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
