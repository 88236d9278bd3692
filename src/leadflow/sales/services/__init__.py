"""Every write of the sales follow-up, one module per concept: tasks and the inquiry flow
(``tasks``), calendar feeds (``feeds``), demos and their invitations (``demos``), needs
assessments (``assessments``), sales kits (``kits``), uploaded documents' checks
(``documents``), proposals (``proposals``) and references (``references``). Import from the
modules."""
