"""Benchmark meeting worklist generation for a neighbourhood of 50,000 residents.

Usage: PYTHONPATH=src python benchmarks/worklist.py [--residents 50000] [--outside 0] [--explain]

Creates a throw-away database (in-memory SQLite unless OCTOPUS_TEST_DATABASE_URL is set), a
neighbourhood with 8 practices, residents with snapshot flags at realistic rates (in hospital
0.3%, discharged in 14 days 0.4%, 3+ A&E attendances 1.5%, 3+ ambulance calls 0.8%, rising risk
2%, unregistered 0.5%: about 5% of residents match a source), 300 open cases and 60 recent
referrals to the INC team, then times ``generate_worklist`` with the shipped ``inc`` worklist and
its per-source limits (first run, and a repeat on the same meeting).

``--outside N`` adds N residents registered with practices outside the neighbourhood (a
borough-wide database), and ``--explain`` prints the database's plan for the snapshot scan, to
check that the series' scope is read through its indexes.
"""

import argparse
import datetime as dt
import os
import platform
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "octopus.settings.test")
import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--residents", type=int, default=50_000)
parser.add_argument("--outside", type=int, default=0, help="residents registered outside the neighbourhood")
parser.add_argument("--explain", action="store_true", help="print the plan of the snapshot scan")
args = parser.parse_args()

setup_test_environment()
old = connection.creation.create_test_db(verbosity=0, keepdb=False)
try:
    from django.utils import timezone

    from octopus.accounts.models import Membership, User
    from octopus.care.models import Case, Referral
    from octopus.directory.models import GPPractice, Neighbourhood, Organisation, Team
    from octopus.meetings import services
    from octopus.residents.models import Resident

    rng = random.Random(42)
    organisation = Organisation.objects.create(name="Healthcare Central London", heart="health")
    team = Team.objects.create(organisation=organisation, name="INC Team", tier="consistent")
    user = User.objects.create_user(username="gp", password="x")
    Membership.objects.create(user=user, team=team, role="clinician")
    practices = [
        GPPractice.objects.create(ods_code=f"E8700{i}", name=f"Practice {i}", postcode="W2 1AA") for i in range(8)
    ]
    elsewhere = [
        GPPractice.objects.create(ods_code=f"E8800{i}", name=f"Elsewhere {i}", postcode="N1 1AA") for i in range(8)
    ]
    neighbourhood = Neighbourhood.objects.create(name="Bench", slug="bench", borough_name="Westminster")
    neighbourhood.practices.set(practices)

    def flags():
        return {
            "current_inpatient": rng.random() < 0.003,
            "discharged_last_14_days": rng.random() < 0.004,
            "ae_attendances_12m": 3 + rng.randint(0, 4) if rng.random() < 0.015 else rng.choice([0] * 8 + [1, 2]),
            "ambulance_calls_12m": 3 + rng.randint(0, 6) if rng.random() < 0.008 else rng.choice([0] * 12 + [1, 2]),
            "emergency_admissions_12m": rng.choice([0] * 40 + [1, 2]),
        }

    started = time.perf_counter()
    Resident.objects.bulk_create(
        [
            Resident(
                person_id=f"P{i:08d}",
                given_name="Bench",
                family_name=f"Resident{i}",
                practice_ods_code=rng.choice(practices if i < args.residents else elsewhere).ods_code,
                registered=rng.random() > 0.005,
                rising_risk=rng.random() < 0.02,
                rising_risk_reason="2 A&E attendances since the last run",
                risk_probability=rng.random() ** 4,
                flags=flags(),
            )
            for i in range(args.residents + args.outside)
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by the time a real INC runs
    pks = list(Resident.objects.values_list("pk", flat=True))
    now = timezone.now()
    Case.objects.bulk_create(
        [
            Case(
                resident_id=pk,
                team=team,
                source="search",
                opened_at=now,
                next_review_due=now.date() + dt.timedelta(days=rng.randint(-5, 30)),
            )
            for pk in rng.sample(pks, 300)
        ]
    )
    Referral.objects.bulk_create(
        [
            Referral(
                resident_id=pk,
                sender=user,
                to_team=team,
                reason="Complex needs",
                urgency="routine",
                shared_information="-",
                preferred_contact="phone",
                due_at=now,
                sent_at=now - dt.timedelta(days=rng.randint(0, 30)),
            )
            for pk in rng.sample(pks, 60)
        ]
    )
    setup_seconds = time.perf_counter() - started
    series = services.create_series(
        None, name="Bench INC", kind="inc", team=team, schedule="Thursdays", worklist="inc", neighbourhood=neighbourhood
    )
    meeting = services.schedule_meeting(series, None, now + dt.timedelta(days=2))
    if args.explain:
        from octopus.meetings import config
        from octopus.meetings.services.worklist import SNAPSHOT_KINDS, snapshot_query

        sources = [s for s in config.settings().worklist("inc") if s.kind in SNAPSHOT_KINDS]
        print(
            snapshot_query(series, sources).explain(**({"analyze": True} if connection.vendor == "postgresql" else {}))
        )
    start = time.perf_counter()
    report = services.generate_worklist(meeting)
    first = time.perf_counter() - start
    start = time.perf_counter()
    services.generate_worklist(meeting)
    repeat = time.perf_counter() - start
    print(
        f"{platform.node()} {platform.machine()} {connection.vendor} | {args.residents:,} residents"
        f"{f' + {args.outside:,} outside' if args.outside else ''} (set up in {setup_seconds:.1f} s) "
        f"| {report.listed:,} listed, {sum(report.not_listed.values()):,} more beyond the limits "
        f"| first run {first:.3f} s | repeat {repeat:.3f} s | load average {os.getloadavg()[0]:.2f}"
    )
finally:
    connection.creation.destroy_test_db(old, verbosity=0)
