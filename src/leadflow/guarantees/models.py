"""Models of the guarantees app."""
