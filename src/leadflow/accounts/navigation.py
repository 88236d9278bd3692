"""What the navigation shows each role: only the places the role may use."""

from dataclasses import dataclass

from django.http import HttpRequest

from leadflow.accounts.models import Role, User


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: tuple[Role, ...]


NAV = (
    NavItem("Home", "/", tuple(Role)),
    NavItem(
        "Leads", "/leads/", (Role.ADMIN, Role.MARKETER, Role.QUALIFIER, Role.REVIEWER, Role.MANAGER)
    ),
    NavItem("Queue", "/queue/", (Role.ADMIN, Role.QUALIFIER)),
    NavItem("Programs", "/programs/", (Role.ADMIN, Role.MANAGER, Role.MARKETER)),
    NavItem("Imports", "/imports/", (Role.ADMIN, Role.MARKETER, Role.MANAGER)),
    NavItem(
        "API tokens",
        "/accounts/tokens/",
        (Role.ADMIN, Role.MARKETER, Role.QUALIFIER, Role.MANAGER),
    ),
    NavItem("Admin", "/admin/", (Role.ADMIN,)),
)


def nav_items(user: User) -> list[NavItem]:
    return [item for item in NAV if user.has_role(*item.roles)]


def navigation(request: HttpRequest) -> dict[str, object]:
    """Template context processor: ``nav_items`` for the signed-in user."""
    user = request.user
    if not user.is_authenticated or not isinstance(user, User):
        return {"nav_items": []}
    return {"nav_items": nav_items(user)}
