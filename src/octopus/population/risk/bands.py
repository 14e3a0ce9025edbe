"""Bands and centiles on a population-wide standard scale, declared in ``config/bands.yaml``."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pandas as pd
from pydantic import Field, field_validator

from octopus.config import Schema, load, read


class Band(Schema):
    band: int = Field(strict=True, ge=1, description="The band's number, 1 for the highest risk.")
    name: str = Field(min_length=1, description="The band's name, e.g. Very high.")
    top_percent: float = Field(
        gt=0, le=100, description=("Cumulative share of the population from the highest risk that this band reaches.")
    )


class RisingRiskRule(Schema):
    centile_rise: float = Field(10, gt=0, le=100, description="A rise of at least this many centiles is rising risk.")
    top_percent: float = Field(20, gt=0, le=100, description="Newly entering the top this-percent is rising risk.")
    # Flag only when the resident's record changed as well as their rank (see risk.rising).
    requires_change: bool = Field(False, description="Require a change in the resident's own record too.")


class BandScale(Schema):
    """Risk bands and the rising-risk rule (``bands.yaml``)."""

    bands: tuple[Band, ...] = Field(min_length=1, description="Bands listed top down.")
    rising_risk: RisingRiskRule = Field(default_factory=RisingRiskRule, description="The rising-risk rule.")

    @field_validator("bands")
    @classmethod
    def _top_down(cls, bands: tuple[Band, ...]) -> tuple[Band, ...]:
        cuts = [b.top_percent for b in bands]
        if cuts != sorted(cuts) or len(set(cuts)) != len(cuts):
            raise ValueError("bands must be listed top down with increasing top_percent.")
        if cuts[-1] != 100:
            raise ValueError("the last band must have top_percent: 100 (the rest of the population).")
        return bands

    def label(self, band: int) -> str:
        previous = 0.0
        for b in self.bands:
            if b.band == band:
                return f"Band {b.band} ({b.name}: top {previous:g}-{b.top_percent:g}%)"
            previous = b.top_percent
        raise KeyError(band)


def load_bands(path: Path | str | None = None) -> BandScale:
    """The bands in effect (the place's ``bands.yaml``, else the default), or those in ``path``."""
    return load("bands.yaml") if path is None else read(Path(path), BandScale)


def rank_from_top(probability: pd.Series) -> pd.Series:
    """Each resident's rank counted from the highest risk (1 = highest; ties share the lower rank)."""
    return probability.rank(method="max", ascending=False).astype("int64")


def top_fraction(probability: pd.Series) -> pd.Series:
    """Share of the population at or above each resident's risk (0 < f <= 1; ties share)."""
    return rank_from_top(probability) / len(probability)


def centiles(probability: pd.Series) -> pd.Series:
    """1-100, where 100 is the highest-risk 1% of the population.

    Centile = 101 - ceil(100 x rank / n), computed in integers: in floating point 7 / 100 x 100
    is 7.000000000000001, whose ceiling put the resident ranked 7th of 100 (exactly on the
    boundary of the top 7%) one centile low.
    """
    rank = rank_from_top(probability).to_numpy()
    n = len(probability)
    percent_ceiling = -((-100 * rank) // n)  # ceil(100 * rank / n), exactly
    return pd.Series(101 - percent_ceiling, index=probability.index).clip(1, 100).astype("int64")


def _as_fraction(percent: float) -> Fraction:
    """A band's cut-off as an exact fraction of the population (0.5 -> 1/200), from its decimal text."""
    return Fraction(str(percent)) / 100


def assign_bands(probability: pd.Series, scale: BandScale) -> pd.Series:
    """Band by rank: a resident is in the first band whose cut-off covers rank / n, compared
    exactly in integers (rank x denominator <= numerator x n) rather than with a tolerance."""
    rank = rank_from_top(probability).to_numpy()
    n = len(probability)
    result = pd.Series(scale.bands[-1].band, index=probability.index, dtype="int64")
    for band in reversed(scale.bands):
        cut = _as_fraction(band.top_percent)
        result[rank * cut.denominator <= cut.numerator * n] = band.band
    return result
