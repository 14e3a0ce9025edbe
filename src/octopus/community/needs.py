"""The needs a drop-in records: the doorstep conversation's vocabulary (decision 0031), so that
needs found at doors and at drop-ins are counted under the same words and the findings dashboard
can add them up. A drop-in asks about fewer topics than a doorstep visit (the ones people bring
to Connected Communities drop-ins: housing, money and benefits, work, health, isolation,
wellbeing), but every code is a doorstep code."""

from octopus.outreach import conversation

DROP_IN_TOPICS = ("housing", "money", "employment", "health_worries", "isolation", "wellbeing")

# "Health" at a drop-in is usually a worry rather than a symptom list; the doorstep's topic fits.
TOPICS = tuple(conversation.BY_CODE[code] for code in DROP_IN_TOPICS)


def choices() -> list[tuple[str, str]]:
    """``topic:option`` pairs with their words, for one group of checkboxes per topic."""
    return [
        (f"{topic.code}:{value}", f"{topic.question}: {words}") for topic in TOPICS for value, words in topic.options
    ]


def from_choices(chosen) -> dict[str, list[str]]:
    """``["housing:damp_mould", …]`` → ``{"housing": ["damp_mould"]}``, validated by the doorstep's
    own rules (an unknown topic or answer raises ValueError naming it)."""
    answers: dict[str, list[str]] = {}
    for pair in chosen or ():
        topic, _, option = str(pair).partition(":")
        if topic not in DROP_IN_TOPICS:
            raise ValueError(f"Unknown drop-in need {pair!r}.")
        answers.setdefault(topic, []).append(option)
    return conversation.clean(answers)


def topic_words(code: str) -> str:
    """The words for a kind of need; a code no vocabulary knows is shown as given (another
    source's own word), never dropped."""
    topic = conversation.BY_CODE.get(code)
    return topic.question if topic else (code.replace("_", " ").capitalize() if code else "Not recorded")


def describe(answers: dict) -> list[str]:
    return [conversation.label(topic, option) for topic, options in (answers or {}).items() for option in options]
