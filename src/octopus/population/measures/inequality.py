"""Moved to :mod:`octopus.stats.inequality`; this name is kept so existing imports still work."""

from octopus.stats.inequality import SlopeIndex, slope_index, slope_index_of_inequality

__all__ = ["SlopeIndex", "slope_index", "slope_index_of_inequality"]
