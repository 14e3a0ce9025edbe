"""What meetings add to the resident's record page (``octopus.residents.sections``): the team's
message thread about the resident, for people whose role takes part in meetings."""

from octopus.residents import sections
from octopus.residents.sections import Section

from .presenters import team_messages

# None (and so no section) for roles that do not attend meetings, who could not open the thread.
sections.register_data("team_messages", lambda view: team_messages(view.resident, view.user))
sections.register(
    Section(
        "team-messages", "Team messages", "meetings/record/_team_messages.jinja", order=80, needs=("team_messages",)
    )
)
