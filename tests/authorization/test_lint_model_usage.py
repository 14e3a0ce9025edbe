"""scripts/lint_model_usage.py: views and the API never query resident data directly. Run here
so CI enforces it as well as ``make lint``."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "lint_model_usage.py"
_spec = importlib.util.spec_from_file_location("lint_model_usage", SCRIPT)
lint = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lint)


def _tree(tmp_path, relative: str, source: str) -> Path:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return tmp_path


def test_lint_model_usage_passes_on_the_source_tree():
    assert lint.check() == []


def test_lint_model_usage_refuses_resident_objects_in_a_view(tmp_path):
    root = _tree(tmp_path, "care/views.py", "def page(request):\n    return Resident.objects.get(pk=1)\n")
    problems = lint.check(root)
    assert len(problems) == 1 and "care/views.py:2: Resident queried directly" in problems[0]


def test_lint_model_usage_refuses_get_object_or_404_on_a_child_record(tmp_path):
    root = _tree(
        tmp_path, "api/endpoints.py", "def detail(request, pk):\n    return get_object_or_404(Referral, pk=pk)\n"
    )
    assert [p.split(": ", 1)[1][:30] for p in lint.check(root)] == ["Referral queried directly; go "]


def test_lint_model_usage_accepts_records_inside_access_scoped(tmp_path):
    source = (
        "def page(request, pk):\n"
        "    return get_object_or_404(access.scoped(request.user, CheckIn.objects.select_related('resident')), pk=pk)\n"
    )
    assert lint.check(_tree(tmp_path, "care/views/check_ins.py", source)) == []


def test_lint_model_usage_ignores_modules_that_are_not_views(tmp_path):
    assert lint.check(_tree(tmp_path, "care/services/cases.py", "Case.objects.all()\n")) == []


def test_lint_model_usage_allow_list_gives_a_reason_for_every_exception():
    assert lint.ALLOWED and all(len(reason) > 40 for reason in lint.ALLOWED.values())
    assert all(model in lint.RESIDENT_DATA for _, model in lint.ALLOWED)
