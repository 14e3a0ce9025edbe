"""Validated wellbeing measures a link worker records at the start and at review. Pure Python
(no Django), so the scoring can be checked against its published definitions in spec tests.

- **ONS4** personal wellbeing: four questions, each answered 0 to 10 and reported separately,
  never summed (ONS, "Personal well-being user guidance" and the GSS harmonised standard,
  https://analysisfunction.civilservice.gov.uk/policy-store/personal-well-being/). Free to use
  with attribution. Thresholds are ONS's: life satisfaction, worthwhile and happiness low 0-4,
  medium 5-6, high 7-8, very high 9-10; anxiety very low 0-1, low 2-3, medium 4-5, high 6-10.
  For anxiety a *fall* is an improvement.
- **SWEMWBS**, the short Warwick-Edinburgh Mental Wellbeing Scale: seven items scored 1 to 5,
  summed to a raw score of 7 to 35 and converted to a metric score with the published Rasch
  conversion table (Stewart-Brown S, Tennant A, Tennant R, Platt S, Parkinson J, Weich S.
  Internal construct validity of the Warwick-Edinburgh Mental Well-being Scale (WEMWBS): a Rasch
  analysis using data from the Scottish Health Education Population Survey. Health Qual Life
  Outcomes 2009;7:15; table from Warwick Medical School's scoring guidance,
  https://warwick.ac.uk/fac/med/research/platform/wemwbs/researchers/guidance/).
- **WEMWBS**, fourteen items 1 to 5 summed to 14 to 70 (the same guidance). Its use needs a
  licence from Warwick Medical School, so it is offered only when
  ``OCTOPUS_WEMWBS_LICENSED`` is set (docs/configuration.md); SWEMWBS is registered free of
  charge for non-commercial use in the NHS.
"""

from __future__ import annotations

from dataclasses import dataclass


class MeasureError(ValueError):
    """An answer outside the scale or a missing item; the message names the item."""


@dataclass(frozen=True)
class Item:
    code: str
    question: str


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    items: tuple[Item, ...]
    low: int
    high: int
    licensed: bool = False  # needs the WEMWBS licence flag

    def clean(self, answers: dict) -> dict[str, int]:
        """Every item answered with a whole number on the scale, or MeasureError naming the item."""
        cleaned = {}
        for item in self.items:
            value = (answers or {}).get(item.code)
            if value is None or value == "":
                raise MeasureError(f"{self.name}: “{item.question}” has no answer.")
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise MeasureError(f"{self.name}: “{item.question}” must be a whole number, not {value!r}.") from None
            if number != float(value) or not self.low <= number <= self.high:
                raise MeasureError(
                    f"{self.name}: “{item.question}” must be from {self.low} to {self.high} (got {value})."
                )
            cleaned[item.code] = number
        unknown = sorted(set(answers or {}) - {item.code for item in self.items})
        if unknown:
            raise MeasureError(f"{self.name} has no question {unknown[0]!r}.")
        return cleaned


ONS4 = Instrument(
    "ons4",
    "ONS personal wellbeing (ONS4)",
    (
        Item("life_satisfaction", "Overall, how satisfied are you with your life nowadays?"),
        Item("worthwhile", "Overall, to what extent do you feel that the things you do in your life are worthwhile?"),
        Item("happiness", "Overall, how happy did you feel yesterday?"),
        Item(
            "anxiety",
            "On a scale where 0 is not at all anxious and 10 is completely anxious, overall, how anxious did you feel "
            "yesterday?",
        ),
    ),
    0,
    10,
)

_WEMWBS_ITEMS = (
    Item("optimistic", "I've been feeling optimistic about the future"),
    Item("useful", "I've been feeling useful"),
    Item("relaxed", "I've been feeling relaxed"),
    Item("interested_in_people", "I've been feeling interested in other people"),
    Item("energy", "I've had energy to spare"),
    Item("problems", "I've been dealing with problems well"),
    Item("thinking_clearly", "I've been thinking clearly"),
    Item("good_about_self", "I've been feeling good about myself"),
    Item("close_to_others", "I've been feeling close to other people"),
    Item("confident", "I've been feeling confident"),
    Item("make_up_mind", "I've been able to make up my own mind about things"),
    Item("loved", "I've been feeling loved"),
    Item("interested_in_new_things", "I've been interested in new things"),
    Item("cheerful", "I've been feeling cheerful"),
)
# The seven SWEMWBS items are WEMWBS items 1, 2, 3, 6, 7, 9 and 11 (Stewart-Brown et al. 2009).
SWEMWBS = Instrument(
    "swemwbs",
    "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    tuple(_WEMWBS_ITEMS[i - 1] for i in (1, 2, 3, 6, 7, 9, 11)),
    1,
    5,
)
WEMWBS = Instrument("wemwbs", "Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS)", _WEMWBS_ITEMS, 1, 5, licensed=True)

INSTRUMENTS = {i.code: i for i in (ONS4, SWEMWBS, WEMWBS)}

# SWEMWBS raw score (7-35) → metric score, Warwick Medical School's published conversion table
# (Rasch model, Stewart-Brown et al. 2009). Never interpolate: every raw score has its row.
SWEMWBS_METRIC = {
    7: 7.00,
    8: 9.51,
    9: 11.25,
    10: 12.40,
    11: 13.33,
    12: 14.08,
    13: 14.75,
    14: 15.32,
    15: 15.84,
    16: 16.36,
    17: 16.88,
    18: 17.43,
    19: 17.98,
    20: 18.59,
    21: 19.25,
    22: 19.98,
    23: 20.73,
    24: 21.54,
    25: 22.35,
    26: 23.21,
    27: 24.11,
    28: 25.03,
    29: 26.02,
    30: 27.03,
    31: 28.13,
    32: 29.31,
    33: 30.70,
    34: 32.55,
    35: 35.00,
}

# ONS thresholds (see the module docstring): (highest score in the band, band name).
ONS4_BANDS = ((4, "Low"), (6, "Medium"), (8, "High"), (10, "Very high"))
ONS4_ANXIETY_BANDS = ((1, "Very low"), (3, "Low"), (5, "Medium"), (10, "High"))


def available(licensed_wemwbs: bool) -> list[Instrument]:
    return [i for i in INSTRUMENTS.values() if licensed_wemwbs or not i.licensed]


def ons4_band(item: str, score: int) -> str:
    bands = ONS4_ANXIETY_BANDS if item == "anxiety" else ONS4_BANDS
    for highest, name in bands:
        if score <= highest:
            return name
    raise MeasureError(f"ONS4 scores run from 0 to 10 (got {score}).")


def swemwbs_metric(raw: int) -> float:
    if raw not in SWEMWBS_METRIC:
        raise MeasureError(f"A SWEMWBS raw score runs from 7 to 35 (got {raw}).")
    return SWEMWBS_METRIC[raw]


def scores(instrument: str, answers: dict) -> dict[str, float]:
    """The figures an instrument reports, from validated answers: ONS4 its four items as they
    are; SWEMWBS the raw total and the metric score; WEMWBS the total."""
    tool = INSTRUMENTS[instrument]
    cleaned = tool.clean(answers)
    if tool is ONS4:
        return {code: float(value) for code, value in cleaned.items()}
    raw = sum(cleaned.values())
    if tool is SWEMWBS:
        return {"raw": float(raw), "metric": swemwbs_metric(raw)}
    return {"total": float(raw)}


# The figure change is reported on, per instrument, and whether a rise is better.
HEADLINES: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "ons4": (
        ("life_satisfaction", "Life satisfaction", True),
        ("worthwhile", "Worthwhile", True),
        ("happiness", "Happiness", True),
        ("anxiety", "Anxiety", False),
    ),
    "swemwbs": (("metric", "SWEMWBS metric score", True),),
    "wemwbs": (("total", "WEMWBS score", True),),
}
