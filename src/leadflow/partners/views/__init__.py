"""The partner portal (``portal``) and the managers' partner pages (``manage``); ``display``
turns clocks and assignments into what the pages show."""
