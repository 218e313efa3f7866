"""linkcheck: link-health and content-quality checker for markdown curricula."""

__version__ = "0.1.0"
