#!/usr/bin/env python3
"""Refuse direct queries of resident data in views and the API (decision 0017).

Views reach residents through ``octopus.governance.access`` (``open_record``, ``residents_for``)
and the records that hang off a resident through ``access.scoped(user, Model.objects…)``, so a
primary key never fetches a row before the access check. This script fails on ``Model.objects``
(outside ``access.scoped(...)``) and ``get_object_or_404(Model, …)`` for the models below, in
every ``views.py``, ``views/`` package and ``api/`` module. Like NHS England breast-screening's
``lint_model_usage_in_views.py``; run by ``make lint`` and by tests/unit/test_lint_model_usage.py.
"""

import ast
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "src" / "octopus"

RESIDENT_DATA = {
    "Resident",
    "ActivityEvent",
    "Case",
    "Referral",
    "CarePlan",
    "CarePlanAction",
    "CheckIn",
    "Task",
    "TierAssignment",
    "RisingRiskNote",
    "ResidentMessage",
    "WorklistEntry",
    "Consent",
    "Objection",
    "ContactPreference",
    "BreakGlassAccess",
    "Attendee",
    "Introduction",
    "Prescription",
    "Goal",
    "WellbeingScore",
    "Admission",
    "Observation",
    "Alert",
}

# (module relative to src/octopus, model) → why a direct query is right there.
ALLOWED = {
    ("governance/views/break_glass.py", "BreakGlassAccess"): (
        "The IG lead reviews every break-glass grant (review_audit); the grant, not a relationship, is the subject."
    ),
    ("governance/views/break_glass.py", "Resident"): (
        "Break glass looks the person id up before any relationship exists (it shows nothing but that it exists)."
    ),
    ("governance/views/subject_access.py", "Resident"): (
        "The IG lead's subject access report asks only whether the id exists."
    ),
    ("meetings/views/common.py", "WorklistEntry"): (
        "Worklist entries are reached through series membership under the confidentiality agreement "
        "(meetings.membership), not a relationship; the lookup is narrowed to the user's series."
    ),
}


def _modules(root: Path):
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if path.name == "views.py" or "/views/" in f"/{relative}" or relative.startswith("api/"):
            yield relative, path


def _is_scoped_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "scoped"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "access"
    )


def _problems(relative: str, tree: ast.AST) -> list[str]:
    # Everything inside access.scoped(user, <records>) is narrowed by the access point.
    blessed = {
        id(n) for call in ast.walk(tree) if _is_scoped_call(call) for arg in call.args[1:2] for n in ast.walk(arg)
    }
    found = []
    for node in ast.walk(tree):
        model = None
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("objects", "_default_manager")
            and isinstance(node.value, ast.Name)
            and id(node) not in blessed
        ):
            model = node.value.id
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("get_object_or_404", "get_list_or_404")
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            model = node.args[0].id
        if model in RESIDENT_DATA and (relative, model) not in ALLOWED:
            found.append(
                f"src/octopus/{relative}:{node.lineno}: {model} queried directly; go through "
                "octopus.governance.access (open_record, residents_for, or access.scoped(user, "
                f"{model}.objects…)), or add ({relative!r}, {model!r}) to ALLOWED with a reason."
            )
    return found


def check(root: Path = SOURCE) -> list[str]:
    problems = []
    for relative, path in _modules(root):
        problems += _problems(relative, ast.parse(path.read_text(), filename=str(path)))
    return problems


if __name__ == "__main__":
    problems = check(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
    print("\n".join(problems) or "No direct queries of resident data in views or the API.")
    sys.exit(1 if problems else 0)
