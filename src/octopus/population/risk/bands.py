"""Bands and centiles on a population-wide standard scale, declared in ``config/bands.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pandas as pd
import yaml

from octopus.population.config import CONFIG_DIR, ConfigError

BANDS_FILE = CONFIG_DIR / "bands.yaml"


@dataclass(frozen=True)
class Band:
    band: int
    name: str
    top_percent: float


@dataclass(frozen=True)
class RisingRiskRule:
    centile_rise: float = 10
    top_percent: float = 20
    # Flag only when the resident's record changed as well as their rank (see risk.rising).
    requires_change: bool = False


@dataclass(frozen=True)
class BandScale:
    bands: tuple[Band, ...]
    rising_risk: RisingRiskRule

    def __post_init__(self):
        cuts = [b.top_percent for b in self.bands]
        if not self.bands or cuts != sorted(cuts) or len(set(cuts)) != len(cuts):
            raise ConfigError("bands must be listed top down with increasing top_percent")
        if cuts[-1] != 100:
            raise ConfigError("the last band must have top_percent: 100 (the rest of the population)")

    def label(self, band: int) -> str:
        previous = 0.0
        for b in self.bands:
            if b.band == band:
                return f"Band {b.band} ({b.name}: top {previous:g}-{b.top_percent:g}%)"
            previous = b.top_percent
        raise KeyError(band)


def load_bands(path: Path | str = BANDS_FILE) -> BandScale:
    path = Path(path)
    document = yaml.safe_load(path.read_text()) or {}
    try:
        bands = tuple(Band(int(b["band"]), str(b["name"]), float(b["top_percent"])) for b in document["bands"])
        rising = RisingRiskRule(**document.get("rising_risk", {}))
        return BandScale(bands, rising)
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"{path}: {error}") from error


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
