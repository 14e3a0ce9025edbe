"""The ward board: open admissions the user's teams are responsible for, through the access point."""

from django.db.models import Prefetch

from octopus.governance import access

from .models import Admission, Alert, Observation

TREND_POINTS = 8  # observations drawn in each row's sparkline


def board(user) -> list[Admission]:
    """Open admissions of the user's teams whose records the user may see in full (NEWS2 is
    clinical detail): each with its latest observations and outstanding alerts."""
    admissions = list(
        access.scoped(user, Admission.objects.filter(discharged_at__isnull=True, team_id__in=user.team_ids))
        .select_related("resident", "team")
        .prefetch_related(
            Prefetch(
                "alerts",
                queryset=Alert.objects.filter(actioned_at__isnull=True).select_related("acknowledged_by"),
                to_attr="outstanding",
            )
        )
        .order_by("resident__family_name", "resident__given_name")
    )
    full = {
        pk for pk, scope in access.scopes_for(user, [a.resident for a in admissions]).items() if scope == access.FULL
    }
    admissions = [a for a in admissions if a.resident_id in full]
    # One query for every row's trend (a query per row made the board's time grow with the ward),
    # reading only the fields the board shows, over the days a stay's last observations span.
    recent: dict[int, list[Observation]] = {a.pk: [] for a in admissions}
    rows = (
        Observation.objects.filter(admission_id__in=list(recent))
        .only("id", "admission_id", "taken_at", "total", "risk")
        .order_by("admission_id", "-taken_at")
    )
    for observation in rows.iterator(chunk_size=2000):
        kept = recent[observation.admission_id]
        if len(kept) < TREND_POINTS:
            kept.append(observation)
    for admission in admissions:
        admission.recent = recent[admission.pk][::-1]
        admission.latest = admission.recent[-1] if admission.recent else None
    admissions.sort(
        key=lambda a: (
            -max((alert.raised_at.timestamp() for alert in a.outstanding), default=0),
            -(a.latest.total if a.latest else -1),
        )
    )
    return admissions


def sparkline(observations, width: int = 120, height: int = 28) -> str:
    """SVG polyline points for a row's NEWS2 totals (0-20 on the y axis, the chart's full range)."""
    if len(observations) < 2:
        return ""
    step = width / (len(observations) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (o.total / 20) * (height - 4):.1f}" for i, o in enumerate(observations)
    )


def observations_of(person_id: str, limit: int = 200) -> list[Observation]:
    """A resident's ward observations, newest first, for the FHIR export; the caller has opened the
    record through the access point in the full scope (the FHIR API's compartment search does)."""
    return list(Observation.objects.filter(admission__resident__person_id=person_id).order_by("-taken_at")[:limit])


def for_meeting(resident) -> dict | None:
    """The open virtual ward stay for a meeting's entry: team, latest NEWS2 and outstanding alerts.
    The caller shows it to clinical scopes only (NEWS2 is clinical detail)."""
    admission = Admission.objects.filter(resident=resident, discharged_at__isnull=True).select_related("team").first()
    if admission is None:
        return None
    return {
        "admission": admission,
        "latest": admission.observations.order_by("-taken_at").first(),
        "alerts": list(admission.alerts.filter(actioned_at__isnull=True).order_by("raised_at")),
    }
