"""The header navigation: one entry per domain, shown to the roles whose work it is.

A section appears only when its URL is installed and the user holds its capability, so the
same shell serves a CHWW on a phone and an analyst at a desk.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str
    capability: str
    prefix: str


SECTIONS = (
    Section("Residents", "residents:search", "view_residents", "/residents"),
    Section("Caseload", "care:caseload", "hold_caseload", "/caseload"),
    Section("Case-finding", "casefinding:index", "view_clinical_detail", "/case-finding"),
    Section("Meetings", "meetings:index", "attend_meetings", "/meetings"),
    Section("Outreach", "outreach:index", "do_outreach", "/outreach"),
    Section("Outreach plans", "outreach:rounds", "plan_outreach", "/outreach/rounds"),
    Section("Population", "insights:index", "view_population", "/population"),
    Section("List coverage", "casefinding:coverage", "manage_data", "/case-finding/coverage"),
    Section("Directory", "directory:index", "view_directory", "/directory"),
    Section("Admin", "administration:index", "administer", "/administration"),
)


def sections_for(user, path: str) -> list[dict]:
    items = []
    for section in SECTIONS:
        if not user.is_authenticated or not user.has_capability(section.capability):
            continue
        try:
            href = reverse(section.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {"href": href, "text": section.label, "current": path.startswith(section.prefix)}
        )
    return items
