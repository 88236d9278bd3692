"""Intake's REST API v1, one router per concept: capturing a lead (``capture``:
``POST /api/v1/leads``) and the possible duplicates (``duplicates``: ``/api/v1/duplicates``),
mounted by ``config/api.py``."""
