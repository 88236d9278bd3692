"""The lead pages, one module per concept: the home page (``home``), the lead list with its
saved filters, bulk actions and export (``lead_list``), the qualification queue (``queue``) and
one lead's workspace (``workspace``). Their URLs are in ``leads/urls.py``."""
