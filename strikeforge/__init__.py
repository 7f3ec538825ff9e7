"""Strikeforge: the Python library behind the project's scripts, oracle node, services and audits."""

__version__ = "0.0.0"
