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
    NavItem("Review", "/review/", (Role.ADMIN, Role.REVIEWER)),
    NavItem("Deliveries", "/deliveries/", (Role.ADMIN, Role.MANAGER, Role.CLIENT)),
    NavItem("Disputes", "/disputes/", (Role.ADMIN, Role.REVIEWER, Role.MANAGER, Role.CLIENT)),
    NavItem("Inbox", "/partners/", (Role.PARTNER,)),
    NavItem("Partners", "/partners/manage/", (Role.ADMIN, Role.MANAGER)),
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


def current_item(items: list[NavItem], path: str) -> NavItem | None:
    """The item whose path is the longest prefix of ``path`` (Home only for "/" itself), so
    /disputes/review/ marks "Disputes", not "Review"."""
    matches = [
        item
        for item in items
        if path == item.path or (item.path != "/" and path.startswith(item.path))
    ]
    return max(matches, key=lambda item: len(item.path), default=None)


def navigation(request: HttpRequest) -> dict[str, object]:
    """Template context processor: ``nav_items`` for the signed-in user and ``nav_current``."""
    user = request.user
    if not user.is_authenticated or not isinstance(user, User):
        return {"nav_items": [], "nav_current": None}
    items = nav_items(user)
    return {"nav_items": items, "nav_current": current_item(items, request.path)}
