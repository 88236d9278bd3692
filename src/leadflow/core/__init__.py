"""The framework-free rules of LeadFlow.

Nothing in this package imports Django or any LeadFlow app: inputs are plain values, outputs are
frozen values that carry their explanation, and time is always a parameter. A test enforces it.
"""
