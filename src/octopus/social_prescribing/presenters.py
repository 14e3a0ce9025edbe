"""View models for the social prescribing pages: the templates get words and numbers only."""

from django.utils import timezone

from octopus.core import charts
from octopus.residents.fields import present as present_resident

from . import fields, measures, outcomes, reasons
from .models import GoalStatus, Occasion


def caseload_row(prescription, user) -> dict:
    view = fields.present(prescription, fields.scope_for(user, prescription))
    resident = prescription.case.resident
    row = {
        "person_id": resident.person_id,
        "name": resident.name,
        "team": view.team,
        "link_worker": view.link_worker,
        "referred_on": view.referred_on,
    }
    if view.shows("reasons"):
        row.update(
            reasons=[reasons.reason_label(c) for c in view.reasons],
            goals=len(view.goals),
            introductions=len(view.introductions),
            measured=sorted(
                {
                    f"{measures.INSTRUMENTS[s.instrument].name.split(' (')[0]} {Occasion(s.occasion).label.lower()}"
                    for s in view.scores
                }
            ),
        )
    return row


def _score_rows(scores) -> list[dict]:
    rows = []
    for score in scores:
        tool = measures.INSTRUMENTS[score.instrument]
        figures = []
        for key, label, _ in measures.HEADLINES[score.instrument]:
            value = score.scores[key]
            band = measures.ons4_band(key, int(value)) if score.instrument == "ons4" else ""
            figures.append({"label": label, "value": value, "band": band})
        if score.instrument == "swemwbs":
            figures.append({"label": "SWEMWBS raw score", "value": score.scores["raw"], "band": ""})
        rows.append(
            {
                "instrument": tool.name,
                "occasion": Occasion(score.occasion).label,
                "recorded_on": score.recorded_on,
                "figures": figures,
            }
        )
    return rows


def _prescription(prescription, user) -> dict:
    view = fields.present(prescription, fields.scope_for(user, prescription))
    page = {
        "pk": view.pk,
        "team": view.team,
        "link_worker": view.link_worker,
        "referred_on": view.referred_on,
        "is_open": view.is_open,
        "full": view.scope == fields.LINK_WORKER,
    }
    if page["full"]:
        page.update(
            source=reasons.SOURCES.get(view.source, view.source),
            reasons=[(c, reasons.reason_label(c)) for c in view.reasons],
            what_matters=view.what_matters,
            goals=[
                {"pk": g.pk, "text": g.text, "status": g.get_status_display(), "set_on": g.set_on} for g in view.goals
            ],
            introductions=[
                {
                    "to": f"{i.referral.recipient_label}",
                    "reason": reasons.reason_label(i.reason),
                    "status": i.referral.get_status_display(),
                    "sent_at": timezone.localtime(i.referral.sent_at).date(),
                }
                for i in view.introductions
            ],
            scores=_score_rows(view.scores),
            changes=outcomes.person_changes(view.scores),
        )
    return page


def resident_page(opened, user, *, wemwbs_licensed: bool) -> dict:
    from . import queries, services

    prescriptions = [_prescription(p, user) for p in queries.for_resident(user, opened.resident)]
    link_worker_teams = list(services.link_worker_teams(user))
    open_here = any(p["is_open"] and p["full"] for p in prescriptions)
    return {
        "resident": present_resident(opened.resident, opened.scope),
        "basis": opened.basis,
        "prescriptions": prescriptions,
        "link_worker_teams": link_worker_teams,
        "may_start": bool(link_worker_teams) and not open_here,
        "instruments": measures.available(wemwbs_licensed),
        "goal_statuses": GoalStatus.choices,
    }


def outcomes_chart(rows) -> charts.Chart:
    drawn = [r for r in rows if r["mean_change"] is not None]
    spec = {
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "group", "type": "nominal", "title": "Service introduced to"},
            "yOffset": {"field": "measure", "type": "nominal"},
            "x": {"field": "mean_change", "type": "quantitative", "title": "Mean change, start to review (points)"},
            "color": {"field": "measure", "type": "nominal", "title": "Measure"},
            "tooltip": [{"field": "group"}, {"field": "measure"}, {"field": "mean_change"}, {"field": "people"}],
        },
        "height": {"step": 14},
    }
    columns = [
        charts.Column("group", "Service introduced to", "text"),
        charts.Column("measure", "Measure", "text"),
        charts.Column("people", "People"),
        charts.Column("mean_start", "Mean at start", "number"),
        charts.Column("mean_review", "Mean at review", "number"),
        charts.Column("mean_change", "Mean change", "number"),
    ]
    return charts.chart(
        "wellbeing-change",
        "Change in wellbeing from start to review",
        spec,
        rows,
        columns=columns,
        definition=charts.Definition(
            numerator="Mean of each person's review score minus their start score on the same measure",
            denominator=(
                "People with that measure recorded both at the start and at review; per service, people "
                "introduced to it (a person introduced to two services counts in both)"
            ),
            source=(
                "Social prescribing records in Octopus (ONS4: Office for National Statistics personal wellbeing; "
                "SWEMWBS metric score: Warwick Medical School conversion table, Stewart-Brown et al. 2009)"
            ),
            as_of=timezone.localdate(),
            notes=(
                "People 1 to 7: withheld with its means; otherwise rounded to the nearest 5. For anxiety a fall "
                f"is an improvement. {len(rows) - len(drawn)} row(s) withheld are not drawn."
            ),
        ),
        summary="Mean change in each wellbeing measure between start and review, for everyone and per service.",
    )
