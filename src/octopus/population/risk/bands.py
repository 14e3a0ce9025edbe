"""Bands and centiles on a population-wide standard scale, declared in ``config/bands.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
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


def top_fraction(probability: pd.Series) -> pd.Series:
    """Share of the population at or above each resident's risk (0 < f <= 1; ties share)."""
    rank_from_top = probability.rank(method="max", ascending=False)
    return rank_from_top / len(probability)


def centiles(probability: pd.Series) -> pd.Series:
    """1-100, where 100 is the highest-risk 1% of the population."""
    fraction = top_fraction(probability)
    return (101 - np.ceil(fraction * 100)).clip(1, 100).astype("int64")


def assign_bands(probability: pd.Series, scale: BandScale) -> pd.Series:
    percent = top_fraction(probability) * 100
    result = pd.Series(scale.bands[-1].band, index=probability.index, dtype="int64")
    for band in reversed(scale.bands):
        result[percent <= band.top_percent + 1e-9] = band.band
    return result
