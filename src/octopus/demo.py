"""The demo neighbourhood: what `octopus demo` prepares. Every step is safe to repeat."""

from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from octopus.accounts import services as account_services
from octopus.accounts.models import Membership, User
from octopus.directory import seeding
from octopus.directory.models import Organisation, Practitioner, Service, Team

SEED = Path(__file__).parent / "directory" / "seed" / "westminster.yaml"
DEMO_PASSWORD = "octopus-demo"


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


def prepare(echo=print) -> None:
    echo(f"Data folder: {settings.DATA_DIR}")
    call_command("migrate", interactive=False, verbosity=0)
    echo(f"Database: {settings.DATABASES['default']['NAME']}")
    seeded = seed_directory()
    echo(f"Directory: {Organisation.objects.count()} organisations, {Team.objects.count()} teams, {Practitioner.objects.count()} named practitioners, {Service.objects.count()} services")
    accounts = ensure_demo_users(seeded["accounts"])
    echo("")
    echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    width = max(len(name) for name, _, _ in accounts)
    for username, role, who in accounts:
        echo(f"  {username.ljust(width)}  {role:<18} {who}")
