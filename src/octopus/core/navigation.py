"""The header navigation and the home page's tools: each shown to the roles whose work it is.

A section appears only when its URL is installed and the user holds its capability, so the
same shell serves a CHWW on a phone and an analyst at a desk. The home page shows every
section as a card, and the tools that live inside a section (the IG lead's audit pages, the
analyst's intake steps) as cards of their own, so nobody has to know a URL to find their work.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str
    capability: str
    prefix: str
    description: str = ""


SECTIONS = (
    Section(
        "Residents",
        "residents:search",
        "view_residents",
        "/residents",
        "Find a resident you work with and open their joined-up record.",
    ),
    Section(
        "Caseload",
        "care:caseload",
        "hold_caseload",
        "/caseload",
        "Your team's and your own caseload, tasks and reviews due.",
    ),
    Section(
        "Case-finding",
        "casefinding:index",
        "view_clinical_detail",
        "/case-finding",
        "Cohorts and rising risk as lists to work through: act on each resident or record why not.",
    ),
    Section(
        "Meetings",
        "meetings:index",
        "attend_meetings",
        "/meetings",
        "Integrated care conferences, huddles and care-home MDTs.",
    ),
    Section("Outreach", "outreach:index", "do_outreach", "/outreach", "Door-knocking plans, households and drop-ins."),
    Section(
        "Drop-ins",
        "community:index",
        "do_outreach",
        "/community/drop-ins",
        "Drop-in sessions: who came, what they needed and who they were introduced to.",
    ),
    Section(
        "Outreach plans",
        "outreach:rounds",
        "plan_outreach",
        "/outreach/rounds",
        "Rounds, households allocated to CHWWs, and their progress.",
    ),
    Section(
        "Population",
        "insights:index",
        "view_population",
        "/population",
        "Risk stratification, segments, inequalities and impact.",
    ),
    Section(
        "List coverage",
        "casefinding:coverage",
        "manage_data",
        "/case-finding/coverage",
        "How much of each case-finding list has been acted on or reviewed, by practice.",
    ),
    Section(
        "Data intake",
        "intake:index",
        "manage_data",
        "/intake",
        "Load partner feeds, fix quarantined rows, link persons and review uncertain matches.",
    ),
    Section(
        "Governance",
        "governance:break-glass-queue",
        "review_audit",
        "/governance",
        "Break-glass reviews, access approvals, the audit log and subject access requests.",
    ),
    Section(
        "Access approvals",
        "governance:access-approvals",
        "approve_access",
        "/governance/access-approvals",
        "Approve or refuse roles that open resident data in your teams.",
    ),
    Section(
        "Directory",
        "directory:index",
        "view_directory",
        "/directory",
        "Organisations, teams, named people and services.",
    ),
    Section("Admin", "administration:index", "administer", "/administration", "User accounts, teams and roles."),
)

# Tools inside a section, for the home page only (the section's own pages link between them).
TOOLS = (
    Section(
        "Break-glass reviews",
        "governance:break-glass-queue",
        "review_audit",
        "",
        "Check each access made without a relationship, and record whether it was appropriate.",
    ),
    Section(
        "Search the audit log",
        "governance:audit",
        "review_audit",
        "",
        "Who saw or changed what, when, and on what basis.",
    ),
    Section(
        "Verify the audit log",
        "governance:audit-verify",
        "review_audit",
        "",
        "Check that no entry has been altered, removed or inserted, and write a checkpoint.",
    ),
    Section(
        "Subject access requests",
        "governance:subject-access",
        "review_audit",
        "",
        "Everyone who opened, changed or listed a resident's record, for the resident.",
    ),
    Section(
        "Quarantined rows",
        "intake:quarantine",
        "manage_data",
        "",
        "Rows a feed delivered that failed validation, with the reason.",
    ),
    Section(
        "Linkage review",
        "intake:review",
        "manage_data",
        "",
        "Uncertain matches between partner records, for a decision.",
    ),
    Section(
        "Drop-ins", "community:index", "plan_outreach", "", "Set up drop-in sessions and see each location's month."
    ),
    Section(
        "What frontline staff find",
        "community:findings",
        "view_population",
        "",
        "Needs found at doors, drop-ins and social prescribing, by area and month, and introductions made.",
    ),
    Section(
        "Cohorts",
        "insights:cohorts",
        "view_population",
        "",
        "The cohorts defined for this neighbourhood and their sizes.",
    ),
    Section(
        "Social prescribing",
        "social_prescribing:caseload",
        "hold_caseload",
        "",
        "A link worker's caseload: what matters to each resident, goals, introductions and wellbeing.",
    ),
    Section(
        "Social prescribing outcomes",
        "social_prescribing:outcomes",
        "view_population",
        "",
        "How wellbeing changed from start to review, for everyone and per service.",
    ),
    Section(
        "Working groups",
        "working_groups:index",
        "view_directory",
        "",
        "Homelessness, suicide prevention, digital exclusion, employment: aims, actions and escalations.",
    ),
)


def _visible(user, entries):
    for entry in entries:
        if not user.is_authenticated or not user.has_capability(entry.capability):
            continue
        try:
            yield entry, reverse(entry.url_name)
        except NoReverseMatch:
            continue


def sections_for(user, path: str) -> list[dict]:
    items = [(section, href) for section, href in _visible(user, SECTIONS)]
    # The longest matching prefix is the current one (/governance/access-approvals is not also
    # "Governance").
    matching = [section.prefix for section, _ in items if path.startswith(section.prefix)]
    current = max(matching, key=len) if matching else None
    return [{"href": href, "text": section.label, "current": section.prefix == current} for section, href in items]


def home_cards_for(user) -> list[dict]:
    """Every section, then the tools inside them, that this user may use; each URL once, under
    the tool's more specific name when a section opens on one of its tools."""
    tools = list(_visible(user, TOOLS))
    tool_hrefs = {href for _, href in tools}
    sections = [(section, href) for section, href in _visible(user, SECTIONS) if href not in tool_hrefs]
    return [
        {"href": href, "text": entry.label, "description": entry.description} for entry, href in [*sections, *tools]
    ]
