"""``{% load sales_setup %}``: whether the user may open the sales setup (the task list's link
to it), read from the capability table like every other check."""

from django import template

from leadflow.accounts.permissions import Capability, user_can

register = template.Library()


@register.filter
def may_set_up_sales(user: object) -> bool:
    return user_can(user, Capability.SALES_KITS_MANAGE)  # type: ignore[arg-type]
