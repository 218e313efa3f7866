"""Checkers, one module per kind of target."""
