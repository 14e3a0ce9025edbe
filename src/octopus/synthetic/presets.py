"""Named populations, and the NHS providers and councils that serve each borough.

Provider assignments are simplified (one main acute trust, community provider and mental health
trust per borough, by ODS code) and plausible rather than authoritative: enough for feeds to come
from realistic senders. Councils send with their ONS GSS code (E09...).
"""

from __future__ import annotations

PRESETS: dict[str, tuple[str, ...] | None] = {
    "westminster": ("Westminster",),
    "welc": ("Waltham Forest", "Tower Hamlets", "Newham"),
    "london": None,
}
# Residents of each preset: the GP-registered population an INT works with, not the Census count.
# Registered lists exceed the resident population, most in central London (list inflation:
# people who have moved away or abroad and not deregistered, students, people registered near
# work). Westminster's practices hold about 275,000 patients against a Census 2021 population of
# 204,243; WEL about 1.0M against 939,721; London about 9.5M against 8.8M (NHS England, Patients
# Registered at a GP Practice). See docs/decisions/0004-synthetic-london.md.
REGISTERED_POPULATION: dict[str, int] = {
    "westminster": 275_000,
    "welc": 1_000_000,
    "london": 9_000_000,
}

# borough -> (acute trust, community trust, mental health trust)
_NEL = ("R1H", "RWK", "RWK")
_NCL = ("RAL", "RYX", "RRP")
_NWL = ("RYJ", "RYX", "RV3")
_SEL = ("RJ2", "RYQ", "RV5")
_SWL = ("RJ7", "RY9", "RQY")
PROVIDERS: dict[str, tuple[str, str, str]] = {
    "City of London": ("RQX", "RQX", "RWK"),
    "Hackney": ("RQX", "RQX", "RWK"),
    "Tower Hamlets": _NEL,
    "Newham": _NEL,
    "Waltham Forest": ("R1H", "RAT", "RAT"),
    "Barking and Dagenham": ("RF4", "RAT", "RAT"),
    "Havering": ("RF4", "RAT", "RAT"),
    "Redbridge": ("RF4", "RAT", "RAT"),
    "Barnet": ("RAL", "RYX", "RRP"),
    "Camden": ("RRV", "RYX", "RRP"),
    "Enfield": ("RAP", "RRP", "RRP"),
    "Haringey": ("RAP", "RKE", "RRP"),
    "Islington": ("RKE", "RKE", "RRP"),
    "Westminster": _NWL,
    "Kensington and Chelsea": ("RQM", "RYX", "RV3"),
    "Hammersmith and Fulham": ("RYJ", "RYX", "RKL"),
    "Brent": ("R1K", "RV3", "RV3"),
    "Harrow": ("R1K", "RV3", "RV3"),
    "Ealing": ("R1K", "RKL", "RKL"),
    "Hillingdon": ("RAS", "RV3", "RV3"),
    "Hounslow": ("RQM", "RY9", "RKL"),
    "Lambeth": ("RJ1", "RJ1", "RV5"),
    "Southwark": ("RJZ", "RJ1", "RV5"),
    "Lewisham": ("RJ2", "RJ2", "RV5"),
    "Greenwich": ("RJ2", "RPG", "RPG"),
    "Bexley": ("RJ2", "RPG", "RPG"),
    "Bromley": ("RJZ", "RPG", "RPG"),
    "Croydon": ("RJ6", "RJ6", "RV5"),
    "Sutton": ("RVR", "RVR", "RQY"),
    "Merton": ("RVR", "RYX", "RQY"),
    "Wandsworth": ("RJ7", "RYX", "RQY"),
    "Kingston upon Thames": ("RAX", "RAX", "RQY"),
    "Richmond upon Thames": ("RAX", "RY9", "RQY"),
}
DEFAULT_PROVIDERS = _NCL
AMBULANCE_SERVICE = "RRU"  # London Ambulance Service NHS Trust
DEATHS_SENDER = "X26"  # NHS England (formerly NHS Digital), which supplies civil registration deaths


def providers(borough: str) -> tuple[str, str, str]:
    return PROVIDERS.get(borough, DEFAULT_PROVIDERS)


def resolve(preset: str | None, areas: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Boroughs for a preset name or an explicit list (None means all of London)."""
    if preset is not None:
        try:
            boroughs = PRESETS[preset.lower()]
        except KeyError:
            raise ValueError(f"Unknown preset {preset!r}. Use one of: {', '.join(PRESETS)}, or --area.") from None
        return boroughs
    return tuple(areas) if areas else PRESETS["westminster"]
