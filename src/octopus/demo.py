"""The demo neighbourhood: what `octopus demo` prepares. Every step is safe to repeat.

Steps: database and directory → synthetic Westminster population → feed load → linkage →
population pipeline as of a month ago, then as of today (so rising risk has a previous snapshot
to compare with) → publish into the operational database → demo care records, meetings and
consent to discuss → a virtual ward: the synthetic devices' FHIR readings imported as the FHIR
API imports them. Each data step
writes a marker under ``<data dir>/demo/`` when it finishes, and is skipped on the next run while
its marker and output are there, so a second ``octopus demo`` takes seconds. Delete the data
folder (or one marker) to rebuild.
"""

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rich.console import Console

from octopus.accounts import services as account_services
from octopus.accounts.models import Membership, User
from octopus.directory import seeding
from octopus.directory.models import Organisation, Practitioner, Service, Team

SEED = Path(__file__).parent / "directory" / "seed" / "westminster.yaml"
DEMO_PASSWORD = "octopus-demo"
DEFAULT_RESIDENTS = 20_000
# The previous snapshot is a month before the current one: a monthly run, as in WSIC's
# rising-risk view, gives a month of admissions and attendances to say what changed.
PREVIOUS_RUN_DAYS = 30
# One row in a thousand made malformed (an invalid NHS number or code, a required field left
# empty), so the demo's feed load shows rows quarantined with their file, row and field.
MALFORMED_RATE = 0.001
RESIDENTS_ENV = "OCTOPUS_DEMO_RESIDENTS"  # `make demo` can pass a size without a flag


@transaction.atomic
def seed_directory(path: Path = SEED) -> dict:
    document = yaml.safe_load(path.read_text())
    teams: dict[str, Team] = {}
    for org_entry in document["organisations"]:
        org_fields = {k: v for k, v in org_entry.items() if k not in {"name", "teams"}}
        organisation, _ = Organisation.objects.update_or_create(name=org_entry["name"], defaults=org_fields)
        for team_entry in org_entry.get("teams", []):
            fields = {k: v for k, v in team_entry.items() if k != "name"}
            team, _ = Team.objects.update_or_create(organisation=organisation, name=team_entry["name"], defaults=fields)
            teams[team.name] = team
    accounts = []
    for entry in document["practitioners"]:
        team = teams[entry["team"]]
        fields = {k: v for k, v in entry.items() if k not in {"team", "username", "role", "given_name", "family_name"}}
        practitioner, _ = Practitioner.objects.update_or_create(
            given_name=entry["given_name"], family_name=entry["family_name"], team=team, defaults=fields
        )
        if "username" in entry:
            accounts.append((entry["username"], entry["role"], practitioner))
    neighbourhoods = seeding.seed_neighbourhoods(document)
    seeding.seed_services(document, teams, neighbourhoods)
    return {"teams": teams, "accounts": accounts}


def ensure_demo_users(accounts) -> list[tuple[str, str, str]]:
    created = []
    for username, role, practitioner in accounts:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.create_user(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                team=practitioner.team,
                role=role,
                first_name=practitioner.given_name,
                last_name=practitioner.family_name,
                email=practitioner.email,
                practitioner=practitioner,
            )
        elif not Membership.objects.filter(user=user, role=role).exists():
            account_services.add_membership(actor=None, user=user, team=practitioner.team, role=role)
        created.append((username, role, f"{practitioner.name}, {practitioner.job_title}"))
    return created


class DemoSteps:
    """Runs each data step once: a marker file per step records what it made and when."""

    def __init__(self, data_dir: Path, console: Console):
        self.folder = data_dir / "demo"
        self.console = console
        self.timings: dict[str, float] = {}

    def marker(self, name: str) -> dict | None:
        path = self.folder / f"{name}.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def run(self, name: str, title: str, work: Callable[[], dict], *, done: bool = False) -> dict:
        """``work`` returns a small summary dict; ``done`` says the step's output already exists."""
        previous = self.marker(name)
        if done and previous is not None:
            self.timings[name] = 0.0
            self.console.print(
                f"[green]✓[/green] {title}: already done ({previous.get('summary', '')})", highlight=False
            )
            return previous
        started = time.perf_counter()
        with self.console.status(f"[bold]{title}[/bold]…"):
            result = work()
        elapsed = time.perf_counter() - started
        self.timings[name] = elapsed
        result = {
            **result,
            "seconds": round(elapsed, 1),
            "finished_at": dt.datetime.now().isoformat(timespec="seconds"),
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
        self.console.print(
            f"[green]✓[/green] {title}: {result.get('summary', '')} [dim]({elapsed:.1f}s)[/dim]", highlight=False
        )
        return result


def _generate(folder: Path, residents: int | None, as_of: dt.date) -> dict:
    from octopus.synthetic.deliveries import write_refused
    from octopus.synthetic.generator import generate

    manifest = generate(
        folder,
        preset="westminster",
        residents=residents,
        fmt="parquet",
        progress=False,
        as_of=as_of,
        malformed_rate=MALFORMED_RATE,
    )
    # A couple of deliveries the loader must refuse whole, as real partners sometimes send.
    faulty = write_refused(folder / "feeds")
    return {
        "summary": (
            f"{manifest.residents:,} synthetic Westminster residents in {len(manifest.files)} files "
            f"(and {len(faulty)} faulty deliveries)"
        ),
        "residents": manifest.residents,
        "folder": str(folder),
        "as_of": manifest.as_of,
    }


def _load_feeds(feeds_folder: Path, data_dir: Path) -> dict:
    from octopus.population.feeds.load import load_files
    from octopus.population.feeds.store import FeedStore
    from octopus.population.feeds.validate import FeedRejected

    loaded = quarantined = 0
    refused = []
    with FeedStore.open(data_dir) as store:
        paths = sorted(p for p in feeds_folder.iterdir() if p.suffix in {".csv", ".parquet"})
        for path, result in load_files(store, paths):
            if isinstance(result, FeedRejected):
                refused.append(f"{path.name}: {str(result).split('. ')[0]}")
                continue
            loaded += result.loaded_rows
            quarantined += result.quarantined_rows
    summary = f"{loaded:,} rows loaded, {quarantined:,} quarantined, {len(refused)} files refused"
    return {"summary": summary, "refused": refused}


def _link(data_dir: Path) -> dict:
    from octopus.population.feeds.store import FeedStore
    from octopus.population.linkage.extract import write_linked_extract
    from octopus.population.linkage.persons import link_persons

    with FeedStore.open(data_dir) as store:
        linked = link_persons(store)
        target = write_linked_extract(store)
    return {"summary": linked.describe().splitlines()[0], "folder": str(target)}


def _pipeline(data_dir: Path, as_of: dt.date) -> dict:
    from octopus.population.pipeline import PipelineConfig, run_pipeline

    info = run_pipeline(
        data_dir / "linked",
        data_dir / "snapshots",
        as_of=as_of,
        config=PipelineConfig(show_progress=False, bootstrap_resamples=50),
    )
    counts = info.row_counts
    return {
        "summary": (
            f"snapshot {info.run_id}, {counts.get('residents.parquet', 0):,} residents "
            f"scored ({info.chosen_model}), {counts.get('rising risk', 0):,} rising risk, "
            f"{counts.get('objectors', 0):,} objectors left out"
        ),
        "run_id": info.run_id,
    }


def _publish(data_dir: Path, run_id: str) -> dict:
    from octopus.publish import publish

    report = publish(data_dir / "linked" / "persons.parquet", data_dir / "snapshots" / run_id)
    return {
        "summary": (
            f"{report.residents:,} residents, {report.households:,} households, "
            f"{report.activity_added:,} timeline events, {report.deaths} deaths recorded"
        ),
        "run_id": run_id,
    }


def _said(value) -> str:
    """A seeding step's result as words: a dict of counts reads '20 cases, 3 referrals', not a Python dict."""
    from octopus.core.formatting import counts

    if isinstance(value, dict):
        return str(value["skipped"]) if "skipped" in value else counts(value)
    return str(value)


def _seed_care() -> dict:
    from octopus.care import demo as care_demo
    from octopus.residents.models import Resident

    users = {user.username: user for user in User.objects.all()}
    from octopus.meetings import demo as meetings_demo

    results = {"care": care_demo.seed(Resident.objects.all(), users)}
    series = meetings_demo.seed(users)
    results["meetings"] = f"{len(series)} meeting series ({', '.join(s.name for s in series)})"
    from octopus.outreach import demo as outreach_demo

    results["outreach"] = outreach_demo.seed(users)
    from octopus.social_prescribing import demo as social_prescribing_demo
    from octopus.working_groups import demo as working_groups_demo

    results["social prescribing"] = social_prescribing_demo.seed(Resident.objects.all(), users)
    results["working groups"] = working_groups_demo.seed(users)
    from octopus.governance import demo as governance_demo

    coordinator, gp = users.get("coordinator"), users.get("gp")
    if coordinator:
        decider = f"{gp.get_full_name()} (GP)" if gp else "The resident's GP"
        consent = governance_demo.seed_discuss_consent(
            governance_demo.discussed_residents(series), coordinator, decider
        )
        results["consent to discuss"] = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in consent.items() if n)
    summary = "; ".join(f"{k}: {_said(v)}" for k, v in results.items())
    return {"summary": summary[:300]}


def _ward(synthetic: Path, population: int) -> dict:
    from octopus.synthetic.generator import DEFAULT_SEED
    from octopus.virtualward import demo as ward_demo

    users = {user.username: user for user in User.objects.all()}
    result = ward_demo.seed(synthetic, users, population=population, seed=DEFAULT_SEED)
    return {"summary": _said(result)}


def _ward_done() -> bool:
    from octopus.virtualward.models import Admission

    return Admission.objects.exists()


def demo_size(residents: int | None = None, full: bool = False) -> int | None:
    """Residents to generate: None means the whole borough's Census population (``--full``)."""
    if full:
        return None
    if residents:
        return residents
    return int(os.environ.get(RESIDENTS_ENV) or DEFAULT_RESIDENTS)


def prepare(echo=print, *, residents: int | None = None, full: bool = False, console: Console | None = None) -> dict:
    """Prepare (or bring up to date) the demo in ``settings.DATA_DIR``; return the step timings."""
    from octopus.insights.models import PublishedSnapshot
    from octopus.population.snapshot import SnapshotStore

    data_dir = Path(settings.DATA_DIR)
    console = console or Console(stderr=True)
    # One line per step here; the engine's per-file INFO logs are for `octopus feeds load` runs.
    for name in ("octopus.population", "octopus.insights", "octopus.synthetic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    steps = DemoSteps(data_dir, console)
    size = demo_size(residents, full)
    echo(f"Data folder: {data_dir}")
    started = time.perf_counter()
    steps.run("database", "Database, directory and demo accounts", lambda: _database(), done=False)
    synthetic = data_dir / "synthetic"
    generated = steps.marker("generate")
    if generated and size is not None and generated.get("residents") not in (None, size):
        console.print(
            f"[yellow]![/yellow] {data_dir} already holds a demo of {generated['residents']:,} residents; "
            f"keeping it. Use a fresh OCTOPUS_DATA_DIR for {size:,}.",
            highlight=False,
        )
    today = timezone.localdate()
    generated = steps.run(
        "generate",
        "Synthetic population",
        lambda: _generate(synthetic, size, today),
        done=(synthetic / "manifest.json").is_file(),
    )
    # The feeds end on the day they were generated: both runs are dated from it.
    as_of = dt.date.fromisoformat(
        generated.get("as_of") or json.loads((synthetic / "manifest.json").read_text())["as_of"]
    )
    steps.run(
        "load",
        "Partner feeds loaded",
        lambda: _load_feeds(synthetic / "feeds", data_dir),
        done=(data_dir / "feeds" / "store.duckdb").is_file(),
    )
    steps.run(
        "link", "Persons linked", lambda: _link(data_dir), done=(data_dir / "linked" / "persons.parquet").is_file()
    )
    store = SnapshotStore(data_dir / "snapshots")
    previous = as_of - dt.timedelta(days=PREVIOUS_RUN_DAYS)
    steps.run(
        "pipeline_previous",
        f"Population pipeline as of {previous:%-d %b %Y} (the previous run)",
        lambda: _pipeline(data_dir, previous),
        done=store.current_id() is not None,
    )
    steps.run(
        "pipeline",
        f"Population pipeline as of {as_of:%-d %b %Y}",
        lambda: _pipeline(data_dir, as_of),
        done=len(store.list()) >= 2,
    )
    run_id = store.current_id()
    steps.run(
        "publish",
        "Published into the operational database",
        lambda: _publish(data_dir, run_id),
        done=PublishedSnapshot.objects.filter(run_id=run_id).exists(),
    )
    steps.run("care", "Demo care records", _seed_care, done=False)
    steps.run(
        "ward",
        "Virtual ward from the synthetic devices' FHIR readings",
        lambda: _ward(synthetic, generated.get("residents") or size or DEFAULT_RESIDENTS),
        done=_ward_done(),
    )
    total = time.perf_counter() - started
    accounts = ensure_demo_users(seed_directory()["accounts"])
    echo("")
    echo(f"Demo ready in {total:.0f}s. Demo accounts (password for all: {DEMO_PASSWORD}):")
    width = max(len(name) for name, _, _ in accounts)
    for username, role, who in accounts:
        echo(f"  {username.ljust(width)}  {role:<18} {who}")
    echo("")
    echo("Where the data lives:")
    echo(f"  database          {settings.DATABASES['default']['NAME']}")
    echo(f"  synthetic feeds   {synthetic / 'feeds'}")
    echo(f"  feed store        {data_dir / 'feeds' / 'store.duckdb'}")
    echo(f"  linked extract    {data_dir / 'linked'}")
    echo(f"  snapshots         {data_dir / 'snapshots'} (current: {run_id})")
    return {"timings": steps.timings, "total": total, "run_id": run_id}


def _database() -> dict:
    call_command("migrate", interactive=False, verbosity=0)
    seeded = seed_directory()
    ensure_demo_users(seeded["accounts"])
    return {
        "summary": (
            f"{Organisation.objects.count()} organisations, {Team.objects.count()} teams, "
            f"{Practitioner.objects.count()} named practitioners, {Service.objects.count()} services"
        )
    }
