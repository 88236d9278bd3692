"""``{% load change_history %}{% change_history "partner" partner.pk %}``: the "History"
section of an admin page (a user's page, a program's settings, a partner's setup), the last
changes to that object that the viewer may read, newest first, with the way to all of them on
the change history page. A page of an app above ``programs`` draws it with this one line."""

from typing import Any

from django import template

from leadflow.accounts.models import ChangeKind
from leadflow.accounts.permissions import Capability, request_user, user_can
from leadflow.programs.administration.selectors import admin_change_list

register = template.Library()

#: How many changes an object's page shows; the rest are on the change history page.
SHOWN = 20


@register.inclusion_tag("programs/admin/_history.html", takes_context=True)
def change_history(context: template.Context, kind: str, object_id: int) -> dict[str, Any]:
    by = request_user(context["request"])
    changes = list(
        admin_change_list(by=by, kind=ChangeKind(kind), object_id=object_id)[: SHOWN + 1]
    )
    return {
        "changes": changes[:SHOWN],
        "more": len(changes) > SHOWN,
        "kind": kind,
        "object_id": object_id,
        "may_open_all": user_can(by, Capability.USERS_MANAGE),
    }
