"""The monthly plan in the task worker (``PlanJob``): the planner's page queues it and shows its
progress, CHWW by CHWW, as ``octopus outreach plan`` prints it."""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from . import planning, queries, workforce
from .models import PlanJob

logger = logging.getLogger(__name__)


@task()
def plan_in_background(job_id: int) -> None:
    started = PlanJob.objects.filter(pk=job_id, status=PlanJob.Status.QUEUED).update(
        status=PlanJob.Status.RUNNING, started_at=timezone.now()
    )
    job = PlanJob.objects.get(pk=job_id)
    if not started:
        return
    try:
        team = workforce.load()
        households = queries.planning_households(job.target_areas or team.target_areas)
        PlanJob.objects.filter(pk=job_id).update(total=len(team.workers))

        def progress(done: int, total: int) -> None:
            PlanJob.objects.filter(pk=job_id).update(done=done, total=total)

        plan = planning.plan_month(
            job.month, team.workers, households, households_per_chww=team.households_per_chww, progress=progress
        )
    except (planning.PlanningError, workforce.WorkforceError) as problem:
        job.close(PlanJob.Status.FAILED, error=str(problem)[:300])
        return
    except Exception as error:
        job.close(
            PlanJob.Status.FAILED, error=f"The plan stopped with an error ({type(error).__name__}); see the server log."
        )
        logger.exception("Plan job %s failed", job_id)
        raise
    job.refresh_from_db()
    job.close(PlanJob.Status.FINISHED, result=stored(plan))


def stored(plan: planning.Plan) -> dict:
    """The plan as kept on the job: the CLI's JSON shape, plus each household's LSOA (for the
    route maps) and the plan's counts."""
    return {
        "chwws": [
            {
                "name": wp.worker.name,
                "days": [
                    {
                        "date": day.date.isoformat(),
                        "metres": day.metres,
                        "households": [
                            {"id": h.id, "lat": h.lat, "lon": h.lon, "lsoa": h.lsoa} for h in day.households
                        ],
                    }
                    for day in wp.days
                ],
            }
            for wp in plan.workers
        ],
        "unallocated": len(plan.unallocated),
        "moved": plan.moved,
        "bank_holidays": [[d.isoformat(), title] for d, title in plan.bank_holidays],
    }


def restored(result: dict) -> planning.Plan:
    """The kept plan back as ``planning.Plan`` for the page (workers carry their names only)."""
    import datetime as dt

    workers = [
        planning.WorkerPlan(
            planning.Worker(c["name"], (0.0, 0.0)),
            [
                planning.Day(
                    dt.date.fromisoformat(d["date"]),
                    d["metres"],
                    [planning.Household(h["id"], h["lat"], h["lon"], lsoa=h.get("lsoa", "")) for h in d["households"]],
                )
                for d in c["days"]
            ],
        )
        for c in result.get("chwws", [])
    ]
    unallocated = [planning.Household("", 0.0, 0.0)] * result.get("unallocated", 0)
    holidays = [(dt.date.fromisoformat(d), title) for d, title in result.get("bank_holidays", [])]
    return planning.Plan(workers, unallocated, result.get("moved", 0), holidays)
