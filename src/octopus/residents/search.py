"""What a search box query means: an NHS number, a date of birth, a postcode, or a name.

Always applied to a queryset the caller got from ``access.residents_for(user)``, so a search can
never find a resident the user has no relationship with.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?\s*([0-9][A-Z]{2})?$")
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d %m %Y", "%d.%m.%Y")


@dataclass(frozen=True)
class ParsedQuery:
    kind: str  # "nhs_number" | "date_of_birth" | "postcode" | "name"
    value: object

    @property
    def label(self) -> str:
        return {"nhs_number": "NHS number", "date_of_birth": "date of birth", "postcode": "postcode", "name": "name"}[
            self.kind
        ]


def parse(query: str) -> ParsedQuery | None:
    text = " ".join(query.split())
    if not text:
        return None
    digits = text.replace(" ", "")
    if digits.isdigit() and len(digits) == 10:
        return ParsedQuery("nhs_number", digits)
    for fmt in DATE_FORMATS:
        try:
            return ParsedQuery("date_of_birth", dt.datetime.strptime(text, fmt).date())
        except ValueError:
            continue
    if POSTCODE.match(text.upper()) and any(ch.isdigit() for ch in text):
        return ParsedQuery("postcode", text.upper().replace(" ", ""))
    return ParsedQuery("name", text)


def apply(residents: QuerySet, parsed: ParsedQuery) -> QuerySet:
    if parsed.kind == "nhs_number":
        return residents.filter(nhs_number=parsed.value)
    if parsed.kind == "date_of_birth":
        return residents.filter(date_of_birth=parsed.value)
    if parsed.kind == "postcode":
        # Stored postcodes keep their space ("W2 1DX"); compare without it, matching outward codes too.
        outward_only = len(parsed.value) <= 4
        candidates = [parsed.value] if outward_only else [parsed.value[:-3] + " " + parsed.value[-3:], parsed.value]
        if outward_only:
            return residents.filter(Q(postcode__istartswith=parsed.value + " ") | Q(postcode__iexact=parsed.value))
        return residents.filter(postcode__in=candidates)
    condition = Q()
    for token in parsed.value.split():
        condition &= Q(given_name__icontains=token) | Q(family_name__icontains=token)
    return residents.filter(condition)
