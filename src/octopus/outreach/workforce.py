"""Reads a workforce file for the monthly plan: the CHWWs (working days, hours, start point,
languages, preferred areas), the target areas and the households each CHWW is planned a month.
Errors name the file and the entry at fault. The shipped example is ``workforce.example.yaml``."""

from dataclasses import dataclass
from pathlib import Path

import yaml

from .planning import FULL_DAY_HOURS, Worker

EXAMPLE = Path(__file__).with_name("workforce.example.yaml")
DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class WorkforceError(ValueError):
    """The workforce file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Workforce:
    workers: list[Worker]
    target_areas: list[str]  # LSOA 2021 codes
    households_per_chww: int


def parse(text: str, source: str) -> Workforce:
    document = yaml.safe_load(text) or {}
    if not isinstance(document, dict):
        raise WorkforceError(f"{source}: expected a mapping with chwws and target_areas.")
    per_chww = document.get("households_per_chww", 120)
    if not isinstance(per_chww, int) or isinstance(per_chww, bool) or not 1 <= per_chww <= 1000:
        raise WorkforceError(f"{source}: households_per_chww must be a whole number from 1 to 1000, got {per_chww!r}.")
    areas = document.get("target_areas") or []
    if not isinstance(areas, list) or not all(isinstance(a, str) and a.startswith(("E01", "W01")) for a in areas):
        raise WorkforceError(f"{source}: target_areas must list LSOA 2021 codes, for example E01004670.")
    workers = []
    for number, entry in enumerate(document.get("chwws") or [], start=1):
        where = f"{source}: chwws entry {number}"
        if not isinstance(entry, dict) or not str(entry.get("name", "")).strip():
            raise WorkforceError(f"{where}: give each CHWW a name.")
        where = f"{source}: chwws entry {number} ({entry['name']})"
        start = entry.get("start")
        if not (
            isinstance(start, list)
            and len(start) == 2
            and all(isinstance(v, int | float) for v in start)
            and 49 < start[0] < 61
            and -9 < start[1] < 3
        ):
            raise WorkforceError(
                f"{where}: start must be [latitude, longitude] in Britain, for example [51.5225, -0.1705]."
            )
        days = entry.get("working_days", ["mon", "tue", "wed", "thu", "fri"])
        if not isinstance(days, list) or not days or any(str(d).lower()[:3] not in DAYS for d in days):
            raise WorkforceError(f"{where}: working_days must list days such as mon, tue, wed.")
        hours = entry.get("hours", FULL_DAY_HOURS)
        if not isinstance(hours, int | float) or isinstance(hours, bool) or not 1 <= hours <= 12:
            raise WorkforceError(f"{where}: hours (a working day's hours) must be from 1 to 12, got {hours!r}.")
        workers.append(
            Worker(
                name=str(entry["name"]).strip(),
                start=(float(start[0]), float(start[1])),
                working_days=frozenset(DAYS[str(d).lower()[:3]] for d in days),
                hours=float(hours),
                languages=frozenset(str(v).strip().casefold() for v in entry.get("languages") or []),
                areas=frozenset(str(v).strip() for v in entry.get("areas") or []),
            )
        )
    if not workers:
        raise WorkforceError(f"{source}: list at least one CHWW under chwws.")
    return Workforce(workers, areas, per_chww)


def load(path: Path | None = None) -> Workforce:
    path = Path(path or EXAMPLE)
    try:
        text = path.read_text()
    except OSError as error:
        raise WorkforceError(f"{path}: cannot read the workforce file ({error.strerror}).") from error
    return parse(text, str(path))
