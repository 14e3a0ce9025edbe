"""Octopus: an open platform for London's integrated neighbourhood teams."""

__version__ = "0.1.0"
