"""The nurture pages (issue 14): sequences and their touches (``sequences``, ``touches``),
the leads in a sequence and the direct-mail mailing list (``enrollments``), and what the
nurture app adds to the lead pages through ``config/leads.py`` (``leads``): the lead page's
panel with "Responded", the lead list's "Enrol in sequence" and the queue's call tasks.
``public`` holds the pages the e-mails link to (tracked links, unsubscribe) and the
provider's webhook, with no login.

Sequences are marketing's and the sales managers' (``Capability.NURTURE_MANAGE``); recording a
response or a call is every role that talks to prospects (``Capability.NURTURE_RESPOND``).
Every object comes from a scoped selector: another scope's sequence, touch, lead or call task
is not found (404, by the error middleware)."""
