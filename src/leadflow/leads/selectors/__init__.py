"""Reads of leads, always starting from what the caller may see, one module per concept: the
scope (``scope``: ``lead_scope``, ``lead_get``, ``lead_history``), the lead list pages
(``lists``), the API's filtered, cursor-paged search (``search``) and the qualification queue
(``queue``)."""

from leadflow.leads.selectors.scope import lead_get, lead_history, lead_sales_notes, lead_scope

__all__ = ["lead_get", "lead_history", "lead_sales_notes", "lead_scope"]
