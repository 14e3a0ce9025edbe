"""The resident record page's sections, contributed by the apps that own them.

``residents`` owns the record page (who the resident is, their household, risk, the timeline) but
not care plans, referrals or team messages: those apps depend on ``residents``, so the page cannot
import them without a cycle. Instead each app registers what it adds in its ``AppConfig.ready``,
the way it registers its relationships with ``governance.access``:

    sections.register_data("care", care_data)           # read once a request, shared by its parts
    sections.register(Section("plan", "Care plan", "care/record/_plan.jinja", order=60))
    sections.register_action(Action("Care plan", "care:plan", order=20, capability="hold_caseload"))

A section is drawn into one **slot** of the page: ``summary`` (a prominent card above the actions),
``about`` (rows of the "About" list), ``main`` (a section of its own, listed in the page's
contents when it has a title) or ``after_consent`` (beside the consent panel). Within a slot,
sections appear by ``order`` (the gaps leave room for new ones).

Access is unchanged: every data function and section runs only after ``governance.access``
opened the record (the view calls ``for_record`` after ``open_record``), and receives the
``RecordView`` with the scope, so a data function decides what this reader may see the same way a
view would. A data function returning None hides the sections that need it.

No app is imported here; a deployment without ``care`` or ``meetings`` gets a record page without
their sections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

SLOTS = ("summary", "about", "main", "after_consent")


@dataclass(frozen=True)
class RecordView:
    """What a section may know about the request: the opened record and the reader."""

    resident: object  # the Resident model, for queries of records that hang off it
    user: object
    scope: str
    clinical: bool  # may this reader see clinical detail (the access point's decision)


@dataclass(frozen=True)
class Section:
    code: str  # also the heading's id, for the contents list
    title: str  # the contents-list entry ("" for none); "{given_name}" is filled in
    template: str  # rendered inside the record page, with its context and the data it needs
    order: int
    slot: str = "main"
    # The data (registered with ``register_data``) the section shows: it is left out when any is None.
    needs: tuple[str, ...] = ()
    clinical_only: bool = False  # shown only to readers with clinical scope

    def __post_init__(self):
        if self.slot not in SLOTS:
            raise ValueError(
                f"Record section {self.code!r}: slot must be one of {', '.join(SLOTS)} (got {self.slot!r})."
            )


@dataclass(frozen=True)
class Action:
    """A link in the record's action list, e.g. "Care plan"; ``url_name`` takes the person_id."""

    label: str  # "{given_name}" is filled in
    url_name: str
    order: int
    capabilities: tuple[str, ...] = ()  # the reader needs every one of them
    while_alive: bool = False  # offered only while the resident is alive


@dataclass(frozen=True)
class ShownAction:
    label: str
    url_name: str


@dataclass(frozen=True)
class RecordSections:
    """The sections a reader sees on one record, and the data they share (for the template)."""

    by_slot: dict[str, list[Section]] = field(default_factory=dict)
    data: dict[str, object] = field(default_factory=dict)
    actions: list[ShownAction] = field(default_factory=list)

    def slot(self, name: str) -> list[Section]:
        return self.by_slot.get(name, [])

    def contents(self, given_name: str) -> list[tuple[str, str]]:
        """(anchor, label) for the page's contents list, main sections with a title, in order."""
        return [(s.code, s.title.format(given_name=given_name)) for s in self.slot("main") if s.title]


_SECTIONS: dict[str, Section] = {}
_DATA: dict[str, Callable[[RecordView], object | None]] = {}
_ACTIONS: dict[str, Action] = {}


def register(section: Section) -> Section:
    """Add a section (by code, so registering again in a reloaded module replaces it)."""
    _SECTIONS[section.code] = section
    return section


def register_data(name: str, func: Callable[[RecordView], object | None]) -> None:
    """Data computed once a request and given to every section that ``needs`` it under ``name``."""
    _DATA[name] = func


def register_action(action: Action) -> Action:
    _ACTIONS[action.url_name] = action
    return action


def unregister(code: str) -> None:
    """For tests that register a section of their own."""
    _SECTIONS.pop(code, None)


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (SLOTS.index(s.slot), s.order, s.code))


def for_record(view: RecordView, is_deceased: bool) -> RecordSections:
    """The sections this reader sees on this record, with their data, each data function called
    once and only when a visible section needs it."""
    wanted = [s for s in sections() if view.clinical or not s.clinical_only]
    data: dict[str, object] = {}
    for name in dict.fromkeys(n for s in wanted for n in s.needs):
        if name not in _DATA:
            raise LookupError(
                f"A record section needs data {name!r}, which no app registered (sections.register_data)."
            )
        data[name] = _DATA[name](view)
    by_slot: dict[str, list[Section]] = {}
    for s in wanted:
        if all(data[n] is not None for n in s.needs):
            by_slot.setdefault(s.slot, []).append(s)
    actions = [
        ShownAction(a.label, a.url_name)
        for a in sorted(_ACTIONS.values(), key=lambda a: (a.order, a.url_name))
        if all(view.user.has_capability(c) for c in a.capabilities) and not (a.while_alive and is_deceased)
    ]
    return RecordSections(by_slot, data, actions)
