"""Moved to :mod:`octopus.stats.funnel`; this name is kept so existing imports still work."""

from octopus.stats.funnel import ALARM_Z, WARNING_Z, FunnelPoint, binomial_limit, funnel

__all__ = ["ALARM_Z", "WARNING_Z", "FunnelPoint", "binomial_limit", "funnel"]
