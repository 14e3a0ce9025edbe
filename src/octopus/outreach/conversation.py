"""The structured conversation on the doorstep: the topics a CHWW asks about and the answers
they can tick. Kept as code (not free text) so supervision can count needs found by topic and
area, and so nothing identifiable beyond the answer itself is written down.

The topics follow the Westminster CHWW model's "unknown unknowns" at the door (health worries,
long-term condition symptoms, housing, money, work, isolation, wellbeing, caring, digital
exclusion). Housing answers are conditions of the household, not of one resident, so they are
also kept on the household with their history (``HouseholdCondition``)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    code: str
    question: str
    options: tuple[tuple[str, str], ...]
    household: bool = False  # answers describe the home, kept on the household with history


TOPICS: tuple[Topic, ...] = (
    Topic(
        "health_worries",
        "Health worries",
        (
            ("new_symptom", "A new symptom they are worried about"),
            ("not_seen_gp", "Has not seen a GP about a worry"),
            ("medicines", "Questions about medicines"),
            ("dental", "Needs a dentist"),
        ),
    ),
    Topic(
        "ltc_symptoms",
        "Long-term condition symptoms",
        (
            ("breathless", "Breathless doing everyday things"),
            ("thirst_weight", "Very thirsty or losing weight"),
            ("chest_pain", "Chest pain or palpitations"),
            ("falls", "Falls or unsteady on their feet"),
            ("memory", "Memory worries"),
        ),
    ),
    Topic(
        "housing",
        "Housing",
        (
            ("damp_mould", "Damp and mould"),
            ("overcrowding", "Overcrowding"),
            ("heating", "Cannot heat the home"),
            ("accessibility", "Home not accessible for their needs"),
            ("temporary_accommodation", "In temporary accommodation"),
        ),
        household=True,
    ),
    Topic(
        "money",
        "Money and benefits",
        (
            ("debt", "Debt or arrears"),
            ("benefits_check", "May be missing benefits"),
            ("food", "Cannot afford food"),
        ),
    ),
    Topic(
        "employment",
        "Employment",
        (
            ("looking_for_work", "Looking for work"),
            ("at_risk", "Job at risk because of health"),
        ),
    ),
    Topic("isolation", "Isolation", (("lonely", "Lonely or isolated"),)),
    Topic(
        "wellbeing",
        "Mental wellbeing",
        (
            ("low_mood", "Low mood or anxiety"),
            ("wants_talking_therapy", "Would like talking therapy"),
        ),
    ),
    Topic(
        "caring",
        "Caring",
        (
            ("unpaid_carer", "Unpaid carer"),
            ("carer_needs_break", "Carer needs a break or support"),
        ),
    ),
    Topic(
        "digital",
        "Digital exclusion",
        (
            ("no_internet", "No internet at home"),
            ("no_nhs_app", "Cannot use the NHS App"),
        ),
    ),
)

BY_CODE = {topic.code: topic for topic in TOPICS}
HOUSING = BY_CODE["housing"]
HOUSEHOLD_CONDITIONS = dict(HOUSING.options)


def label(topic: str, option: str) -> str:
    return dict(BY_CODE[topic].options).get(option, option) if topic in BY_CODE else option


def clean(answers: dict) -> dict[str, list[str]]:
    """Only known topics and options, in the order they are asked; raises ValueError naming the
    first unknown one (a tampered or out-of-date form)."""
    cleaned = {}
    for code, chosen in (answers or {}).items():
        if code not in BY_CODE:
            raise ValueError(f"Unknown conversation topic {code!r}.")
        known = [value for value, _ in BY_CODE[code].options]
        unknown = [value for value in chosen if value not in known]
        if unknown:
            raise ValueError(f"Unknown answer {unknown[0]!r} for {BY_CODE[code].question.lower()}.")
        if chosen:
            cleaned[code] = [value for value in known if value in chosen]
    return cleaned


def needs_found(answers: dict) -> int:
    """Needs found at a visit: one per answer ticked (the figure supervision counts)."""
    return sum(len(chosen) for chosen in (answers or {}).values())
