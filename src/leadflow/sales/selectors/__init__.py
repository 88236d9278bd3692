"""Reads of the sales follow-up, one module per concept, each starting from ``lead_scope``."""
