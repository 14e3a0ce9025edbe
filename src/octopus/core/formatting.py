"""How values are written on screen: one place so every page says dates and numbers alike."""

import datetime as dt
import re
from functools import lru_cache

from django.utils import timezone


def date(value: dt.date | dt.datetime | None, missing: str = "Not recorded") -> str:
    if value is None:
        return missing
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%-d %B %Y at %H:%M")
    return value.strftime("%-d %B %Y")


def short_date(value: dt.date | dt.datetime | None, missing: str = "–") -> str:
    if value is None:
        return missing
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%-d %b %Y")


def number(value: int | float | None, places: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{places}f}"


def percent(value: float | None, places: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.{places}f}%"


def nhs_number(value: str | None) -> str:
    """NHS numbers are shown 3-3-4, as the NHS Identity guidelines ask."""
    if not value:
        return "Not known"
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) != 10:
        return str(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 case', '3 cases', '1 delivery', '2 deliveries': the count and the word that goes with it."""
    if count == 1:
        return f"1 {singular}"
    if plural_form is None:
        plural_form = singular[:-1] + "ies" if re.search(r"[^aeiou]y$", singular) else singular + "s"
    return f"{count:,} {plural_form}"


def counts(values: dict, words: dict[str, tuple[str, str]] | None = None) -> str:
    """A dict of counts as words: {'cases': 3, 'referrals': 1} -> '3 cases, 1 referral'."""
    words = words or {}
    parts = []
    for key, count in values.items():
        if not isinstance(count, int):
            parts.append(f"{key.replace('_', ' ')}: {count}")
            continue
        singular, many = words.get(key) or (key.replace("_", " ").removesuffix("s"), key.replace("_", " "))
        parts.append(plural(count, singular, many))
    return ", ".join(parts)


_SMALL_WORDS = {"and", "of", "the", "on", "in", "at", "for", "by", "upon"}
_KEEP_UPPER = {"NHS", "GP", "GPS", "PCN", "ICB", "UK", "CIC", "LLP", "HQ"}


def place_name(text: str | None) -> str:
    """Names kept in capitals by the source ('GRAY'S INN MEDICAL PRACTICE') written as a person would:
    "Gray's Inn Medical Practice" (str.title() gives "Gray'S Inn")."""
    if not text:
        return ""

    def word(match: re.Match) -> str:
        token = match.group(0)
        if token.upper() in _KEEP_UPPER:
            return token.upper()
        if token.lower() in _SMALL_WORDS and match.start() > 0:
            return token.lower()
        return token[:1].upper() + token[1:].lower()

    return re.sub(r"[A-Za-z]+(?:['’][A-Za-z]+)*", word, text)


@lru_cache(maxsize=512)
def language(code: str | None) -> str:
    """An ISO 639 language code as its English name ('lt' -> 'Lithuanian', 'ar' -> 'Arabic'), from
    the ISO 639 tables pycountry ships; anything else (already a name) is shown as it is."""
    if not code:
        return "Not recorded"
    import pycountry

    tag = str(code).strip().replace("_", "-").split("-")[0].lower()
    found = None
    if len(tag) == 2:
        found = pycountry.languages.get(alpha_2=tag)
    elif len(tag) == 3:
        found = pycountry.languages.get(alpha_3=tag)
    if found is None:
        return str(code)
    # ISO's reference names, less the qualifiers a reader does not need: "Modern Greek (1453-)" -> "Greek".
    return found.name.split(" (")[0].removeprefix("Modern ")


@lru_cache(maxsize=1)
def _segment_titles() -> dict[str, str]:
    from octopus.population.segments import load_segments

    rules = load_segments()
    return {rule.name: rule.title for rule in (*rules.segments, *rules.overlays)}


def segment(code: str | None, missing: str = "Not recorded") -> str:
    """A segment's title from config/segments.yaml ('frail_elderly_end_of_life' -> 'Frail elderly and end of life')."""
    if not code:
        return missing
    return _segment_titles().get(code, code.replace("_", " "))


def tier(code: str | None, missing: str = "No tier") -> str:
    """A care tier's name ('proactive' -> 'Proactive (rising risk)')."""
    if not code:
        return missing
    from octopus.care.models import CareTier

    return CareTier(code).label if code in CareTier.values else code


FILTERS = {
    "date": date,
    "short_date": short_date,
    "number": number,
    "percent": percent,
    "nhs_number": nhs_number,
    "plural": plural,
    "place_name": place_name,
    "language": language,
    "segment": segment,
    "tier": tier,
}
