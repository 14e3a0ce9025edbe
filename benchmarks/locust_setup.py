"""Prepare a ``care_population.py`` database for the web load test and write who may open what.

Usage (after ``care_latency.py --database NAME --build-only``):
    OCTOPUS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/NAME PYTHONPATH=src:benchmarks \\
        python benchmarks/locust_setup.py --out /tmp/pages-work/practitioners.json

- gives every ``bench*`` practitioner the password ``octopus-bench`` (one Argon2 hash, copied: the
  load test signs in over HTTP like a person, and hashing 330 passwords would take minutes);
- plans one outreach round this month and allocates 40 households of their borough's LSOAs to
  each CHWW, through ``outreach.services`` (walking order, audit entry), so CHWWs can record visits;
- writes a JSON file: per practitioner their role, the person ids of residents on their teams'
  open caseloads (records they may open), the meetings of series they belong to, and (CHWWs) their
  allocations. ``locust_practitioners.py`` reads it; nothing in it is timed.
"""

import argparse
import datetime as dt
import json
import os
import random

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "octopus.settings.test")
import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402
from django.utils import timezone  # noqa: E402

from octopus.accounts.models import Membership, User  # noqa: E402
from octopus.care.models import Case  # noqa: E402
from octopus.meetings.models import ConfidentialityAgreement, Meeting  # noqa: E402
from octopus.outreach import services as outreach  # noqa: E402
from octopus.outreach.models import Allocation  # noqa: E402
from octopus.residents.models import Household  # noqa: E402

PASSWORD = "octopus-bench"

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--out", required=True)
parser.add_argument("--households-per-chww", type=int, default=40)
args = parser.parse_args()
pick = random.Random(20261124)

# Argon2 whatever these settings prefer (the test settings hash fast), so the server's production
# settings can check it.
hasher = Argon2PasswordHasher()
User.objects.filter(username__startswith="bench").update(password=hasher.encode(PASSWORD, hasher.salt()))

chwws = list(outreach.outreach_workers().filter(username__startswith="bench"))
if chwws and not Allocation.objects.filter(worker__in=chwws, withdrawn_at__isnull=True).exists():
    today = timezone.localdate()
    planner = User.objects.filter(username__startswith="bench").order_by("pk").first()
    round_ = outreach.create_round(
        planner, name="Load test round", area="East London", starts_on=today, ends_on=today + dt.timedelta(days=27)
    )
    # Households of ordinary size (care homes are not door-knocked), spread over the boroughs.
    pool = list(
        Household.objects.filter(pk__lte=400_000)
        .order_by("?")
        .values_list("pk", flat=True)[: len(chwws) * args.households_per_chww]
    )
    for index, worker in enumerate(chwws):
        mine = pool[index * args.households_per_chww : (index + 1) * args.households_per_chww]
        outreach.allocate(round_, planner, worker=worker, households=Household.objects.filter(pk__in=mine))

open_cases: dict[int, list[str]] = {}
for team_id, person_id in Case.objects.filter(closed_at__isnull=True).values_list("team_id", "resident__person_id"):
    open_cases.setdefault(team_id, []).append(person_id)
series_meetings: dict[int, list[int]] = {}
for meeting_id, series_id in Meeting.objects.values_list("pk", "series_id"):
    series_meetings.setdefault(series_id, []).append(meeting_id)
agreed: dict[int, list[int]] = {}
for user_id, series_id in ConfidentialityAgreement.objects.values_list("user_id", "series_id"):
    agreed.setdefault(user_id, []).append(series_id)
allocations: dict[int, list[int]] = {}
for allocation_id, worker_id in Allocation.objects.filter(withdrawn_at__isnull=True).values_list("pk", "worker_id"):
    allocations.setdefault(worker_id, []).append(allocation_id)

practitioners = []
for user in User.objects.filter(username__startswith="bench").order_by("pk"):
    memberships = list(Membership.objects.filter(user=user).values_list("team_id", "role"))
    residents = sorted({p for team_id, _ in memberships for p in open_cases.get(team_id, [])})
    practitioners.append(
        {
            "username": user.username,
            "role": memberships[0][1] if memberships else "",
            "teams": [team_id for team_id, _ in memberships],
            "residents": pick.sample(residents, min(200, len(residents))),
            "meetings": sorted(m for s in agreed.get(user.pk, []) for m in series_meetings.get(s, [])),
            "allocations": allocations.get(user.pk, []),
        }
    )
with open(args.out, "w") as out:
    json.dump({"password": PASSWORD, "practitioners": practitioners}, out)
print(
    f"{len(practitioners)} practitioners ({sum(1 for p in practitioners if p['residents'])} with caseload residents, "
    f"{sum(1 for p in practitioners if p['meetings'])} in meeting series, "
    f"{sum(1 for p in practitioners if p['allocations'])} CHWWs "
    f"with allocations) -> {args.out}"
)
