"""What care coordination adds to the resident's record page (``octopus.residents.sections``):
the advance care plan card, the tier, who is involved, upcoming contacts, the care plan,
referrals and introductions, the care team's preferences, and the links to act on them."""

from octopus.residents import sections
from octopus.residents.sections import Action, Section

from .presenters import care_summary


def _care(view: sections.RecordView) -> dict:
    # One read of care records for the whole page; every care section shares it.
    return care_summary(view.resident, view.user)


sections.register_data("care", _care)
for section in (
    # Prominent above everything else: an emergency responder must not miss an advance care plan.
    Section("advance-care", "", "care/record/_advance_care.jinja", order=10, slot="summary", needs=("care",)),
    Section("tier", "", "care/record/_tier_row.jinja", order=10, slot="about", needs=("care",)),
    Section("involved", "Who is involved", "care/record/_involved.jinja", order=40, needs=("care",)),
    Section("contacts", "Upcoming contacts", "care/record/_contacts.jinja", order=50, needs=("care",)),
    Section("plan", "Care plan", "care/record/_plan.jinja", order=60, needs=("care",)),
    Section("referrals", "Referrals and introductions", "care/record/_referrals.jinja", order=70, needs=("care",)),
    Section("care-preferences", "", "care/record/_preferences.jinja", order=10, slot="after_consent", needs=("care",)),
):
    sections.register(section)

for action in (
    Action("Refer or introduce {given_name}", "care:refer", order=10, capabilities=("refer",), while_alive=True),
    Action("Care plan", "care:plan", order=20, capabilities=("hold_caseload",)),
    Action("Add to a caseload", "care:add_case", order=30, capabilities=("hold_caseload",), while_alive=True),
    Action("Check-ins", "care:check_ins", order=40, capabilities=("hold_caseload",), while_alive=True),
    Action("Change tier", "care:tier", order=60, capabilities=("hold_caseload",), while_alive=True),
    Action("Record a death", "care:death", order=70, capabilities=("hold_caseload",), while_alive=True),
):
    sections.register_action(action)
