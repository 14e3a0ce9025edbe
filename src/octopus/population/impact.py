"""Use of hospital services before and after each person's own index date, for the INT impact
evaluation (issue #17; the matching and the estimate are ``octopus.stats.impact``).

``use_around(linked, index_dates)`` takes a table of ``person_id`` and ``index_date`` (the day a
resident was taken onto a caseload or discussed at an MDT, or the date a comparator is compared
from) and counts, per person, in the 6 and 12 months before and after it:

- emergency admissions (``apc_spells`` with admission method "emergency"), by admission date;
- emergency bed days: nights of emergency spells inside the window (a spell still open counts
  to the end of the window);
- A&E attendances (``ae_attendances``), by arrival date.

Windows are counted in days, as the risk model's year is (``features.periods.YEAR``): 12 months
is 365 days and 6 months 182. The index day itself is in the *before* window: the crisis that
led to someone being taken on belongs to the time before the INT's care, not to its result.
Before: days in (index - n, index]; after: days in (index, index + n].
"""

from __future__ import annotations

import ibis

from octopus.population.features.periods import count_where
from octopus.population.linked import LinkedExtract

WINDOWS = {6: 182, 12: 365}
MEASURES = ("emergency_admissions", "emergency_bed_days", "ae_attendances")


def columns() -> list[str]:
    """The output's count columns, e.g. ``emergency_admissions_before_12m``."""
    return [f"{m}_{side}_{months}m" for m in MEASURES for months in WINDOWS for side in ("before", "after")]


def _nights(start, end) -> ibis.IntegerValue:
    return ibis.greatest(end.delta(start, unit="day"), 0)


def use_around(linked: LinkedExtract, index_dates: ibis.Table) -> ibis.Table:
    """One row per person in ``index_dates`` with every count of ``columns()`` (0 where none)."""
    people = index_dates.select("person_id", "index_date")
    spells = linked.feed("apc_spells")
    spells = spells.filter(spells.admission_method == "emergency").select(
        "person_id", "admission_date", "discharge_date"
    )
    spells = spells.join(people, "person_id")
    day = spells.admission_date.delta(spells.index_date, unit="day")
    spell_measures = {}
    for months, days in WINDOWS.items():
        start_before = spells.index_date - ibis.interval(days=days)
        end_after = spells.index_date + ibis.interval(days=days)
        spell_measures[f"emergency_admissions_before_{months}m"] = count_where((day > -days) & (day <= 0))
        spell_measures[f"emergency_admissions_after_{months}m"] = count_where((day > 0) & (day <= days))
        # Nights inside the window: clipped to its start and end, an open spell to the end.
        before_end = ibis.least(ibis.coalesce(spells.discharge_date, spells.index_date), spells.index_date)
        after_end = ibis.least(ibis.coalesce(spells.discharge_date, end_after), end_after)
        spell_measures[f"emergency_bed_days_before_{months}m"] = _nights(
            ibis.greatest(spells.admission_date, start_before), before_end
        ).sum()
        spell_measures[f"emergency_bed_days_after_{months}m"] = _nights(
            ibis.greatest(spells.admission_date, spells.index_date), after_end
        ).sum()
    by_spell = spells.group_by("person_id").aggregate(**spell_measures)

    ae = linked.feed("ae_attendances").select("person_id", "arrival_datetime").join(people, "person_id")
    ae_day = ae.arrival_datetime.cast("date").delta(ae.index_date, unit="day")
    by_ae = ae.group_by("person_id").aggregate(
        **{
            name: count_where(condition)
            for months, days in WINDOWS.items()
            for name, condition in (
                (f"ae_attendances_before_{months}m", (ae_day > -days) & (ae_day <= 0)),
                (f"ae_attendances_after_{months}m", (ae_day > 0) & (ae_day <= days)),
            )
        }
    )
    table = people.left_join(by_spell, "person_id").drop("person_id_right")
    table = table.left_join(by_ae, "person_id").drop("person_id_right")
    return table.mutate(**{c: table[c].fill_null(0).cast("int64") for c in columns()}).order_by("person_id")
