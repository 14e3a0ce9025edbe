"""NEWS2, the National Early Warning Score 2, scored exactly as the Royal College of Physicians' chart.

Royal College of Physicians. *National Early Warning Score (NEWS) 2: Standardising the assessment of
acute-illness severity in the NHS.* Updated report of a working party. London: RCP, 2017.
Chart 1 (the scoring bands) is read from ``reference/news2_scoring_rcp2017.csv``, a transcription of
the bands (not of the chart; see ``reference/README.md``). The thresholds and triggers (aggregate
0-4 low, any single parameter scoring 3 low-medium, 5-6 medium, 7 or more high) and the clinical
response to each are Chart 2 and Table 3 of the same report.

Pure Python: no Django, so the CLI, the ward and the tests score through one function.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

REFERENCE = Path(__file__).parent / "reference" / "news2_scoring_rcp2017.csv"

# The JSON keys of `octopus news2` and of the ward's stored sub-scores, in the chart's order.
PARAMETERS = ("respiration_rate", "spo2", "air_or_oxygen", "systolic_bp", "pulse", "consciousness", "temperature")
_CSV_PARAMETER = {
    "respiration_rate": "respiration_rate_per_min",
    "systolic_bp": "systolic_bp_mmhg",
    "pulse": "pulse_per_min",
    "temperature": "temperature_c",
}
CONSCIOUSNESS = {
    "A": "Alert",
    "C": "New confusion",
    "V": "Responds to voice",
    "P": "Responds to pain",
    "U": "Unresponsive",
}

# Units shown beside every field and in every refusal, so nobody types a Fahrenheit temperature.
UNITS = {
    "respiration_rate": "breaths per minute",
    "spo2": "% oxygen saturation",
    "systolic_bp": "mmHg",
    "pulse": "beats per minute",
    "temperature": "°C",
}
LABELS = {
    "respiration_rate": "Respiration rate",
    "spo2": "SpO2",
    "air_or_oxygen": "Air or oxygen",
    "systolic_bp": "Systolic blood pressure",
    "pulse": "Pulse",
    "consciousness": "Level of consciousness",
    "temperature": "Temperature",
}

# Limits of a value a living, monitored resident can have: beyond them the reading is a device or
# typing error (SpO2 150 %, a temperature of 60 °C), refused rather than scored. Not from the RCP
# report, which scores any value; chosen wide enough that no true extreme reading is refused
# (e.g. the lowest recorded survivable core temperature is below 25 °C, but a home thermometer
# reading below it is an error). Inclusive.
PLAUSIBLE = {
    "respiration_rate": (Decimal(1), Decimal(80)),
    "spo2": (Decimal(50), Decimal(100)),
    "systolic_bp": (Decimal(40), Decimal(300)),
    "pulse": (Decimal(0), Decimal(250)),
    "temperature": (Decimal("25.0"), Decimal("45.0")),
}

RISKS = ("low", "low-medium", "medium", "high")
# RCP 2017 Chart 2 (minimum monitoring frequency) and Table 3 (clinical response), condensed.
RESPONSE = {
    "low": "Minimum 4–12 hourly observations; a registered nurse decides whether to change frequency or escalate.",
    "low-medium": (
        "Urgent response: a registered nurse informs the responsible clinician, who reviews and decides "
        "whether to escalate; observations at least hourly."
    ),
    "medium": "Urgent review by a clinician competent in assessing acute illness; observations at least hourly.",
    "high": "Emergency assessment by a team with critical care competencies; continuous monitoring.",
}


class ImplausibleValue(ValueError):
    """A reading that cannot be right; ``field`` names it and the message says why, with units."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Band:
    lower: Decimal | None
    upper: Decimal | None
    score: int
    on_oxygen: bool | None = None  # SpO2 scale 2 above 92 % depends on oxygen; None: either

    def holds(self, value: Decimal, on_oxygen: bool) -> bool:
        if self.on_oxygen is not None and self.on_oxygen != on_oxygen:
            return False
        return (self.lower is None or value >= self.lower) and (self.upper is None or value <= self.upper)


@dataclass(frozen=True)
class Observation:
    respiration_rate: int
    spo2: int
    spo2_scale: int  # 1, or 2 for confirmed hypercapnic respiratory failure
    on_oxygen: bool
    systolic_bp: int
    pulse: int
    consciousness: str  # A, C, V, P or U (ACVPU; C is new confusion)
    temperature: Decimal  # °C, to one decimal place as on the chart


@dataclass(frozen=True)
class Score:
    scores: dict[str, int]
    total: int
    risk: str

    @property
    def response(self) -> str:
        return RESPONSE[self.risk]

    def as_json(self) -> dict:
        return {"scores": dict(self.scores), "total": self.total, "risk": self.risk}


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


@cache
def bands() -> dict[str, tuple[Band, ...]]:
    """Chart 1 as bands per parameter (``spo2_scale1``, ``spo2_scale2`` and the numeric ones)."""
    table: dict[str, list[Band]] = {}
    with REFERENCE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name, score = row["parameter"], int(row["score"])
            if name in ("air_or_oxygen", "consciousness_acvpu"):
                continue  # two-valued; scored by rule below, checked against the file in the tests
            key = {"spo2_scale1_pct": "spo2_scale1", "spo2_scale2_pct": "spo2_scale2"}.get(name)
            key = key or next(k for k, v in _CSV_PARAMETER.items() if v == name)
            notes = row["notes"]
            on_oxygen = True if "on supplemental oxygen" in notes else False if notes == "on air" else None
            table.setdefault(key, []).append(
                Band(_decimal(row["lower_inclusive"]), _decimal(row["upper_inclusive"]), score, on_oxygen)
            )
    return {key: tuple(value) for key, value in table.items()}


def _band_score(key: str, value: Decimal, on_oxygen: bool = False) -> int:
    matches = [band.score for band in bands()[key] if band.holds(value, on_oxygen)]
    if len(matches) != 1:  # the transcription must partition the line; a gap or overlap is a bug
        raise LookupError(f"NEWS2 chart: {key} value {value} falls in {len(matches)} bands")
    return matches[0]


def temperature(value) -> Decimal:
    """A temperature to one decimal place, as the chart's bands are (35.05 °C reads as 35.1)."""
    try:
        return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ImplausibleValue("temperature", f"Temperature: {value!r} is not a number of °C.") from None


def check_plausible(observation: Observation) -> None:
    """Refuse a reading no monitored resident can have, naming the field and its units."""
    if observation.spo2_scale not in (1, 2):
        raise ImplausibleValue("spo2_scale", f"SpO2 scale must be 1 or 2, not {observation.spo2_scale!r}.")
    if observation.consciousness not in CONSCIOUSNESS:
        raise ImplausibleValue(
            "consciousness",
            f"Level of consciousness must be one of A, C, V, P, U (ACVPU), not {observation.consciousness!r}.",
        )
    for field, (low, high) in PLAUSIBLE.items():
        value = Decimal(str(getattr(observation, field)))
        if not low <= value <= high:
            raise ImplausibleValue(
                field,
                f"{LABELS[field]}: {value} {UNITS[field]} is not a plausible reading "
                f"(expected {low}–{high} {UNITS[field]}); check the device and enter it again.",
            )
    if observation.pulse == 0 and observation.consciousness != "U":
        raise ImplausibleValue(
            "pulse",
            "Pulse: 0 beats per minute in a resident who responds is not a plausible reading; "
            "check the device and enter it again.",
        )


def score(observation: Observation) -> Score:
    """Each parameter's score, the aggregate and the clinical risk (RCP 2017 Chart 1 and Chart 2)."""
    check_plausible(observation)
    scale = "spo2_scale1" if observation.spo2_scale == 1 else "spo2_scale2"
    scores = {
        "respiration_rate": _band_score("respiration_rate", Decimal(observation.respiration_rate)),
        "spo2": _band_score(scale, Decimal(observation.spo2), observation.on_oxygen),
        "air_or_oxygen": 2 if observation.on_oxygen else 0,
        "systolic_bp": _band_score("systolic_bp", Decimal(observation.systolic_bp)),
        "pulse": _band_score("pulse", Decimal(observation.pulse)),
        "consciousness": 0 if observation.consciousness == "A" else 3,
        "temperature": _band_score("temperature", temperature(observation.temperature)),
    }
    total = sum(scores.values())
    return Score(scores=scores, total=total, risk=risk(total, max(scores.values())))


def risk(total: int, highest_single: int) -> str:
    """Chart 2: 7+ high, 5-6 medium, a single red score (3) with a total under 5 low-medium, else low."""
    if total >= 7:
        return "high"
    if total >= 5:
        return "medium"
    if highest_single >= 3:
        return "low-medium"
    return "low"
