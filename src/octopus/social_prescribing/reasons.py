"""Why a resident was referred to a link worker, and who referred them, in words a link worker
uses; each reason maps onto the doorstep conversation's need topics (decision 0031,
``outreach.conversation``), so needs found at doors, drop-ins and social prescribing are
counted in one vocabulary on the frontline findings dashboard."""

from octopus.outreach import conversation

# code → (label, need topic from outreach.conversation.TOPICS)
REASONS: dict[str, tuple[str, str]] = {
    "loneliness": ("Loneliness or social isolation", "isolation"),
    "low_mood": ("Low mood, stress or anxiety", "wellbeing"),
    "money": ("Money, debt or benefits", "money"),
    "housing": ("Housing problems", "housing"),
    "employment": ("Work, training or volunteering", "employment"),
    "long_term_condition": ("Living well with a long-term condition", "ltc_symptoms"),
    "caring": ("Caring for someone", "caring"),
    "digital": ("Getting online", "digital"),
    "health_worry": ("A health worry not yet seen to", "health_worries"),
}
assert all(topic in conversation.BY_CODE for _, topic in REASONS.values()), (
    "reasons must map onto decision 0031's topics"
)

SOURCES: dict[str, str] = {
    "gp": "GP or practice team",
    "community_health": "Community health services",
    "mental_health": "Mental health services",
    "hospital": "Hospital or discharge team",
    "social_care": "Adult social care",
    "housing": "Housing",
    "vcse": "Voluntary or community organisation",
    "outreach": "Community health and wellbeing worker",
    "self": "Self-referral, family or friend",
}


def reason_label(code: str) -> str:
    return REASONS.get(code, (code, ""))[0]


def need(code: str) -> str:
    """The conversation topic (decision 0031) a referral reason is counted under."""
    return REASONS[code][1]


def clean_reasons(codes) -> list[str]:
    unknown = [c for c in codes if c not in REASONS]
    if unknown:
        raise ValueError(f"Unknown referral reason {unknown[0]!r}.")
    if not codes:
        raise ValueError("Choose at least one reason for the referral.")
    return [c for c in REASONS if c in codes]
