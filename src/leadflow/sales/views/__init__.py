"""The sales pages (mounted at ``/sales/``): the task list, a lead's sales follow-up, demos,
proposals, references and the calendar feed; and what sales adds to the leads pages
(``config/leads.py``): "My tasks" on the home page and the sales panel on a lead's page."""
