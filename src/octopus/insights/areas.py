"""The area a Population page is about: the whole borough (everyone in the snapshot), a
neighbourhood, a PCN or a practice, chosen with ``?area=<kind>:<code>`` so every page drills
down the same way and its CSV links keep the choice.

- borough: every resident in the snapshot (the INT's population);
- neighbourhood: residents living in its LSOAs or registered with its practices
  (``directory.Neighbourhood``: "every LSOA in its borough plus every practice in its PCNs");
- PCN: residents registered with the PCN's practices;
- practice: residents registered with the practice.
"""

from __future__ import annotations

from dataclasses import dataclass

from octopus.directory.models import PCN, GPPractice, Neighbourhood


@dataclass(frozen=True)
class Area:
    kind: str  # borough, neighbourhood, pcn, practice
    code: str
    name: str
    lsoas: frozenset[str] | None = None
    practices: frozenset[str] | None = None

    @property
    def key(self) -> str:
        return "" if self.kind == "borough" else f"{self.kind}:{self.code}"

    @property
    def label(self) -> str:
        return {
            "borough": "All residents in the snapshot",
            "neighbourhood": f"Neighbourhood: {self.name}",
            "pcn": f"PCN: {self.name}",
            "practice": f"Practice: {self.name}",
        }[self.kind]


EVERYONE = Area("borough", "", "All residents in the snapshot")


class UnknownArea(ValueError):
    pass


def area_from(value: str | None) -> Area:
    """``neighbourhood:<slug>``, ``pcn:<code>``, ``practice:<ODS code>`` or empty for everyone."""
    if not value:
        return EVERYONE
    kind, _, code = value.partition(":")
    if kind == "neighbourhood":
        found = Neighbourhood.objects.filter(slug=code).first()
        if found:
            return Area(
                kind,
                code,
                found.name,
                frozenset(found.lsoa_codes()),
                frozenset(found.practices.values_list("ods_code", flat=True)),
            )
    elif kind == "pcn":
        found = PCN.objects.filter(code=code).first()
        if found:
            return Area(
                kind, code, found.name.title(), None, frozenset(found.practices.values_list("ods_code", flat=True))
            )
    elif kind == "practice":
        found = GPPractice.objects.filter(ods_code=code).first()
        if found:
            return Area(kind, code, found.name.title(), None, frozenset({code}))
    raise UnknownArea(f"No area {value!r}: choose a neighbourhood, PCN or practice from the list.")


def choices(codes: set[str]) -> list[tuple[str, str]]:
    """Areas worth choosing: every neighbourhood, and the PCNs and practices (``codes``) with residents here."""
    options = [("", EVERYONE.name)]
    options += [(f"neighbourhood:{n.slug}", f"Neighbourhood: {n.name}") for n in Neighbourhood.objects.order_by("name")]
    practices = GPPractice.objects.filter(ods_code__in=codes).select_related("pcn").order_by("name")
    pcns = sorted({(p.pcn.code, p.pcn.name.title()) for p in practices if p.pcn}, key=lambda p: p[1])
    options += [(f"pcn:{code}", f"PCN: {name}") for code, name in pcns]
    options += [(f"practice:{p.ods_code}", f"Practice: {p.name.title()} ({p.ods_code})") for p in practices]
    return options


def schema(path: str) -> list[str]:
    import pyarrow.parquet as pq

    return pq.read_schema(path).names
