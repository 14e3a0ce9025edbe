"""What the virtual ward adds to the resident's record page: the link to admit them."""

from octopus.residents import sections
from octopus.residents.sections import Action

# Admission records observations and NEWS2 scores: clinical detail, for people who hold caseloads.
sections.register_action(
    Action(
        "Admit to the virtual ward",
        "virtualward:admit",
        order=50,
        capabilities=("hold_caseload", "view_clinical_detail"),
        while_alive=True,
    )
)
