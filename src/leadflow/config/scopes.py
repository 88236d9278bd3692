"""Which app says what a role may see through the relations it owns (STYLE.md 11).

``leads.selectors.lead_scope`` gives staff roles the leads of the programs in their scope; for
the other roles it asks the providers listed here. A provider is a function
``provider(*, user) -> Q`` (a filter on ``Lead``) defined by the app that owns the relation:
the client's scope is what was delivered to it, the partner's what is assigned to it now.
A user with several roles sees the union.
"""

LEAD_SCOPE_PROVIDERS: dict[str, tuple[str, ...]] = {
    "client": ("leadflow.delivery.scopes.client_leads",),
    "partner": ("leadflow.partners.scopes.partner_leads",),
}
