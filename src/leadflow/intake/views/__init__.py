"""The intake pages, one module per concept: the web-to-lead form, its submission and its embed
snippet (``forms``), and the possible duplicates to decide (``duplicates``). Their URLs are in
``intake/urls.py``."""
