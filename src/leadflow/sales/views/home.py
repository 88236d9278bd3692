""" "My tasks" on the home page (``config/leads.py`` ``HOME_SECTIONS``): the user's open
tasks, overdue first, then today, then upcoming."""

from datetime import datetime

from django.http import HttpRequest
from django.template.loader import render_to_string

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.sales.selectors.pages import my_tasks


def home_my_tasks(*, request: HttpRequest, user: User, now: datetime) -> str:
    """Every user of the sales pages gets the section, empty or not (an empty one says so)."""
    if not user_can(user, Capability.SALES_VIEW):
        return ""
    parts = my_tasks(user=user, now=now)
    return render_to_string(
        "sales/_home_tasks.html",
        {
            "parts": parts,
            "empty": not any(part.tasks for part in parts),
            "may_work": user_can(user, Capability.SALES_WORK),
            "staff": user_can(user, Capability.LEADS_VIEW),
        },
        request=request,
    )
