"""Use of services in the 12 months before the as-of date, and where the person is now.

Counts are rows in the previous 12 months (see ``periods.YEAR``), by event date. Bed days are
nights in an acute spell within the window (admission to discharge, or to the as-of date while
still in hospital). Prior cost adds the tariff or reference cost of every costed row in the
window, and the weekly cost of social care packages pro rata for the days open in the window.
"""

from __future__ import annotations

from datetime import timedelta

import ibis

from octopus.population.features.periods import Period, count_where
from octopus.population.linked import LinkedExtract

RECENT_DISCHARGE_DAYS = 14  # Discharge-to-assess: the two weeks after leaving hospital.


def _days_between(later, earlier) -> ibis.IntegerValue:
    return later.delta(earlier, unit="day")


def _cost(column) -> ibis.FloatingValue:
    return column.cast("float64").fill_null(0.0)


def hospital(linked: LinkedExtract, period: Period) -> ibis.Table:
    spells = linked.feed("apc_spells")
    as_of = period.literal()
    in_year = period.in_last_year(spells.admission_date)
    emergency = spells.admission_method == "emergency"
    discharge_or_now = ibis.coalesce(spells.discharge_date, as_of)
    night_start = ibis.greatest(spells.admission_date, ibis.literal(period.year_start))
    night_end = ibis.least(discharge_or_now, as_of)
    nights = ibis.greatest(_days_between(night_end, night_start), 0)
    overlaps = (spells.admission_date <= period.as_of) & (
        spells.discharge_date.isnull() | (spells.discharge_date > period.year_start)
    )
    still_in = (spells.admission_date <= period.as_of) & (
        spells.discharge_date.isnull() | (spells.discharge_date > period.as_of)
    )
    return spells.group_by("person_id").aggregate(
        emergency_admissions=count_where(in_year & emergency),
        elective_admissions=count_where(in_year & (spells.admission_method == "elective")),
        maternity_admissions=count_where(in_year & (spells.admission_method == "maternity")),
        bed_days=overlaps.ifelse(nights, 0).sum(),
        last_emergency_admission=(emergency & (spells.admission_date <= period.as_of))
        .ifelse(spells.admission_date, None)
        .max(),
        current_inpatient=count_where(still_in) > 0,
        discharged_last_14_days=count_where(period.in_last_days(spells.discharge_date, RECENT_DISCHARGE_DAYS)) > 0,
        apc_cost=in_year.ifelse(_cost(spells.tariff_cost_gbp), 0.0).sum(),
    )


def emergency_admissions_next_year(linked: LinkedExtract, period: Period) -> ibis.Table:
    """Emergency admissions in the 12 months after the as-of date."""
    spells = linked.feed("apc_spells")
    spells = spells.filter(period.in_next_year(spells.admission_date) & (spells.admission_method == "emergency"))
    return spells.group_by("person_id").aggregate(outcome_events_next_year=spells.count())


def emergency_contacts_next_year(linked: LinkedExtract, period: Period) -> ibis.Table:
    """Emergency admissions and A&E attendances in the 12 months after the as-of date.

    An A&E attendance that ends in an admission counts twice; the outcome is "at least one",
    so that does not matter.
    """
    spells = linked.feed("apc_spells")
    spells = spells.filter(
        period.in_next_year(spells.admission_date) & (spells.admission_method == "emergency")
    ).select("person_id")
    ae = linked.feed("ae_attendances")
    ae = ae.filter(period.in_next_year(ae.arrival_datetime.date())).select("person_id")
    contacts = spells.union(ae, distinct=False)
    return contacts.group_by("person_id").aggregate(outcome_events_next_year=contacts.count())


def events_in_year(linked: LinkedExtract, period: Period) -> dict[str, ibis.Table]:
    """Per-feed counts and costs; each table is keyed by person_id.

    Rows outside the window are filtered out before grouping, not counted as 0: a feed holds
    years of history, so grouping only the window's rows groups a third or less of them (at
    1M residents this halved the cost of these tables and their joins). A person with no rows
    in the window is missing from the table and gets 0 like anyone else without rows.
    """
    ae = linked.feed("ae_attendances")
    ae = ae.filter(period.in_last_year(ae.arrival_datetime.date()))
    op = linked.feed("op_attendances")
    op = op.filter(period.in_last_year(op.appointment_date))
    gp = linked.feed("gp_appointments")
    gp = gp.filter(period.in_last_year(gp.appointment_date) & (gp.status == "attended"))
    las = linked.feed("las_incidents")
    las = las.filter(period.in_last_year(las.incident_datetime.date()))
    mh = linked.feed("mh_contacts")
    mh = mh.filter(period.in_last_year(mh.contact_date))
    mhs = linked.feed("mh_spells")

    def mhs_year(t: ibis.Table) -> ibis.BooleanValue:
        return period.in_last_year(t.admission_date)

    def mhs_now(t: ibis.Table) -> ibis.BooleanValue:
        return (t.admission_date <= period.as_of) & (t.discharge_date.isnull() | (t.discharge_date > period.as_of))

    mhs = mhs.filter(mhs_year(mhs) | mhs_now(mhs))
    cc = linked.feed("community_contacts")
    cc = cc.filter(period.in_last_year(cc.contact_date))
    vc = linked.feed("vcse_contacts")
    vc = vc.filter(period.in_last_year(vc.contact_date))
    return {
        "ae": ae.group_by("person_id").aggregate(
            ae_attendances=ae.count(),
            ae_cost=_cost(ae.cost_gbp).sum(),
        ),
        "op": op.group_by("person_id").aggregate(
            outpatient_attendances=count_where(op.attendance == "attended"),
            op_cost=_cost(op.cost_gbp).sum(),
        ),
        "gp": gp.group_by("person_id").aggregate(gp_contacts=gp.count()),
        "las": las.group_by("person_id").aggregate(
            ambulance_calls=las.count(),
            las_cost=_cost(las.cost_gbp).sum(),
        ),
        "mh": mh.group_by("person_id").aggregate(
            mental_health_contacts=mh.count(),
            mental_health_crisis_contacts=count_where(mh.crisis),
            mh_cost=_cost(mh.cost_gbp).sum(),
        ),
        "mhs": mhs.group_by("person_id").aggregate(
            mental_health_admissions=count_where(mhs_year(mhs)),
            current_mental_health_inpatient=count_where(mhs_now(mhs)) > 0,
            mhs_cost=mhs_year(mhs).ifelse(_cost(mhs.cost_gbp), 0.0).sum(),
        ),
        "cc": cc.group_by("person_id").aggregate(
            community_contacts=cc.count(),
            cc_cost=_cost(cc.cost_gbp).sum(),
        ),
        "vc": vc.group_by("person_id").aggregate(vcse_contacts=vc.count()),
    }


def social_care(linked: LinkedExtract, period: Period) -> ibis.Table:
    """Open packages on the as-of date, and package cost pro rata over the previous year."""
    packages = linked.feed("asc_packages")
    as_of = period.literal()
    open_now = (packages.start_date <= period.as_of) & (
        packages.end_date.isnull() | (packages.end_date >= period.as_of)
    )
    first = ibis.greatest(packages.start_date, ibis.literal(period.year_start + timedelta(days=1)))
    last = ibis.least(ibis.coalesce(packages.end_date, as_of), as_of)
    days = ibis.greatest(_days_between(last, first) + 1, 0)
    care_home_type = packages.package_type.isin(["residential", "nursing"])
    return packages.group_by("person_id").aggregate(
        social_care_package=count_where(open_now) > 0,
        care_home_package=count_where(open_now & care_home_type) > 0,
        asc_cost=(days * _cost(packages.weekly_cost_gbp) / 7.0).sum(),
    )


def care_home_stays(linked: LinkedExtract, period: Period) -> ibis.Table:
    stays = linked.feed("care_home_residents")
    open_now = (stays.move_in_date <= period.as_of) & (
        stays.move_out_date.isnull() | (stays.move_out_date > period.as_of)
    )
    return stays.group_by("person_id").aggregate(care_home_stay=count_where(open_now) > 0)


# Emergency readmission within 30 days of discharge (NHS Digital, Compendium / NHS Outcomes
# Framework indicator 3b "Emergency readmissions within 30 days of discharge from hospital"):
# index spells are discharges alive, not transfers to another hospital and not maternity; a
# readmission is an emergency admission after the discharge date and up to 30 days later. The
# national indicator counts days 0-29 and also leaves out cancer and some other spells, and is
# indirectly standardised; this is the crude proportion on the GP-registered population's spells.
READMISSION_DAYS = 30


def readmissions(linked: LinkedExtract, period: Period) -> ibis.Table:
    """Per person: index discharges in the 12 months ending 30 days before the as-of date (so each
    has its full 30 days of follow-up) and how many of them were followed by an emergency
    readmission within 30 days."""
    spells = linked.feed("apc_spells")
    window_end = period.as_of - timedelta(days=READMISSION_DAYS)
    window_start = window_end - (period.as_of - period.year_start)
    alive_home = spells.discharge_destination.isnull() | ~spells.discharge_destination.isin(["died", "other_hospital"])
    index = spells.filter(
        (spells.discharge_date > window_start)
        & (spells.discharge_date <= window_end)
        & (spells.admission_method != "maternity")
        & alive_home
    ).select(
        ix_person=spells.person_id,
        ix_sender=spells.sender_code,
        ix_record=spells.source_record_id,
        ix_discharge=spells.discharge_date,
    )
    emergency = spells.filter(spells.admission_method == "emergency").select(
        em_person=spells.person_id, em_admission=spells.admission_date
    )
    gap = _days_between(emergency.em_admission, index.ix_discharge)
    joined = index.left_join(
        emergency, (index.ix_person == emergency.em_person) & (gap > 0) & (gap <= READMISSION_DAYS)
    )
    per_spell = joined.group_by(["ix_person", "ix_sender", "ix_record", "ix_discharge"]).aggregate(
        readmitted=count_where(joined.em_person.notnull()) > 0
    )
    return per_spell.group_by(person_id=per_spell.ix_person).aggregate(
        readmission_index_discharges=per_spell.count(),
        emergency_readmissions_30_days=count_where(per_spell.readmitted),
    )
