"""`benchmarks/regression.py` (decision 0061) on fixture result files: a step more than 20% and at
least 0.2 s slower than the last recorded run is flagged and the exit status says so; faster,
within 20%, and tiny steps are not; a file that is not a bench result is refused by name."""

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "bench"
OLD, NEW = FIXTURES / "bench-20261201T100000Z.json", FIXTURES / "bench-20261202T100000Z.json"


@pytest.fixture(scope="module")
def regression():
    spec = importlib.util.spec_from_file_location("bench_regression", ROOT / "benchmarks" / "regression.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_flags_only_the_step_more_than_20_percent_and_noticeably_slower(regression):
    changes = {c.step: c for c in regression.compare(regression.load(OLD), regression.load(NEW))}
    assert [step for step, c in changes.items() if c.flagged] == ["features"]  # 2.0 s -> 2.5 s: 25%
    assert changes["features"].ratio == pytest.approx(1.25)
    assert not changes["train"].flagged  # 1.0 -> 1.19 s: 19%, under the threshold
    assert not changes["publish"].flagged  # 0.10 -> 0.15 s: 50%, but 0.05 s is noise
    assert not changes["score"].flagged  # faster
    assert not changes["pipeline total"].flagged and not changes["whole process"].flagged


def test_exit_status_and_report_name_the_slower_step(regression, capsys):
    assert regression.main([str(OLD), str(NEW)]) == 1
    said = capsys.readouterr().out
    assert "SLOWER     20,000 features" in said and "2.00 s ->     2.50 s (1.25x)" in said
    assert "1 of 6 steps more than 20% slower." in said
    assert "load 1.5–1.5" in said and "load 2.5–2.5" in said  # both runs' load averages shown
    assert regression.main([str(OLD), str(OLD)]) == 0  # the same figures: nothing is slower


def test_one_file_is_compared_with_the_newest_earlier_run(regression, tmp_path, capsys):
    for path in (OLD, NEW):
        shutil.copy(path, tmp_path / path.name)
    assert regression.main([str(tmp_path / NEW.name)]) == 1
    assert capsys.readouterr().out.startswith(f"{OLD.name} (aaaaaaaaaa")
    assert regression.main([str(tmp_path / OLD.name)]) == 0
    assert "No earlier run than" in capsys.readouterr().out


def test_a_stricter_threshold_flags_more(regression):
    changes = regression.compare(regression.load(OLD), regression.load(NEW), threshold=0.10, min_seconds=0.0)
    assert sorted(c.step for c in changes if c.flagged) == ["features", "publish", "train"]


def test_a_file_that_is_not_a_bench_result_is_refused_by_name(regression, tmp_path):
    other = tmp_path / "bench-x.json"
    other.write_text(json.dumps({"sizes": {}}))
    with pytest.raises(SystemExit, match=r"bench-x.json: not a `make bench` result"):
        regression.load(other)
    broken = tmp_path / "bench-y.json"
    broken.write_text("{")
    with pytest.raises(SystemExit, match=r"bench-y.json: cannot be read as a bench result"):
        regression.load(broken)


def _result(wall: dict[str, float], cpu: dict[str, float] | None) -> dict:
    run = {"load_before": [1.0, 1.0, 1.0]} | ({"cpu": cpu} if cpu is not None else {})
    spread = {step: {"median": seconds, "min": seconds, "max": seconds} for step, seconds in wall.items()}
    return {
        "kind": "octopus-pipeline-bench",
        "sizes": {
            "1000000": {
                "runs": [run],
                "total_seconds": {"median": 30.0},
                "process_wall_seconds": {"median": 31.0},
                "process_cpu_seconds": {"median": 50.0},
                "steps": spread,
            }
        },
    }


def test_steps_are_compared_by_their_own_cpu_where_the_runs_have_it(regression):
    # Training moved beside the features: its wall time grows with waiting for a core, its CPU
    # does not; the features' CPU grows by 30%, which is a regression whatever the wall says.
    old = _result({"train": 6.0, "features": 6.0}, {"train": 6.0, "features": 8.0})
    new = _result({"train": 10.0, "features": 6.1}, {"train": 6.1, "features": 10.4})
    changes = {c.step: c for c in regression.compare(old, new)}
    assert not changes["train"].flagged and changes["train"].unit == "CPU-s"
    assert changes["features"].flagged and changes["features"].ratio == pytest.approx(1.3)
    assert changes["process CPU"].unit == "CPU-s" and not changes["process CPU"].flagged
    # A file without CPU per step is compared by wall time, as before.
    walls = {c.step: c for c in regression.compare(_result({"train": 6.0}, None), _result({"train": 10.0}, None))}
    assert walls["train"].flagged and walls["train"].unit == "s"


def _runs(cpu_per_run: list[float]) -> dict:
    """A 100,000-resident size whose ``segments`` step took these CPU seconds, one run each."""
    runs = [
        {"load_before": [1.0, 1.0, 1.0], "seconds": 8.0, "process_wall_seconds": 9.0, "cpu": {"segments": cpu}}
        for cpu in cpu_per_run
    ]
    middle = sorted(cpu_per_run)[len(cpu_per_run) // 2]
    return {
        "kind": "octopus-pipeline-bench",
        "commit": {"sha": "c" * 40},
        "sizes": {
            "100000": {
                "runs": runs,
                "total_seconds": {"median": 8.0},
                "process_wall_seconds": {"median": 9.0},
                "steps": {"segments": {"median": middle, "min": min(cpu_per_run), "max": max(cpu_per_run)}},
            }
        },
    }


def test_a_slower_median_whose_runs_interleave_with_the_last_is_not_flagged(regression, capsys, tmp_path):
    # The figures of 5 December: the median 0.85 -> 1.20 CPU-s (41%, 0.35 s), but 0.72–1.10 before
    # and 1.01–1.37 after; the step's code had not changed.
    interleaved = {c.step: c for c in regression.compare(_runs([0.72, 0.85, 1.10]), _runs([1.01, 1.20, 1.37]))}[
        "segments"
    ]
    assert not interleaved.flagged and interleaved.overlapping and interleaved.ratio == pytest.approx(1.2 / 0.85)
    # The same medians with runs apart (the slowest before under the fastest after): flagged.
    apart = {c.step: c for c in regression.compare(_runs([0.80, 0.85, 0.90]), _runs([1.15, 1.20, 1.25]))}["segments"]
    assert apart.flagged and not apart.overlapping
    # With one run a side there is no spread to compare: the median decides, as above 100,000.
    single = {c.step: c for c in regression.compare(_runs([1.10]), _runs([1.37]))}["segments"]
    assert single.flagged
    old, new = tmp_path / "bench-20261201T000000Z.json", tmp_path / "bench-20261202T000000Z.json"
    old.write_text(json.dumps(_runs([0.72, 0.85, 1.10])))
    new.write_text(json.dumps(_runs([1.01, 1.20, 1.37])))
    assert regression.main([str(old), str(new)]) == 0
    assert "runs overlap: within the machine's spread" in capsys.readouterr().out


def test_the_report_says_when_the_two_machines_ran_the_reference_workload_at_different_speeds(
    regression, capsys, tmp_path
):
    """VMs recorded alike by `bench.py` can differ in speed (6 December: 46 of 96 steps flagged,
    the two commits paired on one machine 0.99): the report prints both files' reference workload
    and says when they differ, so a comparison across machines is seen to be one."""
    old, new = tmp_path / "bench-20261201T000000Z.json", tmp_path / "bench-20261202T000000Z.json"

    def write(path: Path, reference: dict | None) -> None:
        data = _runs([1.0, 1.0, 1.0]) | ({"reference_cpu_seconds": reference} if reference else {})
        path.write_text(json.dumps(data))

    write(old, {"duckdb": 0.8, "numpy": 0.3, "python": 0.5, "total": 1.6})
    write(new, {"duckdb": 1.2, "numpy": 0.4, "python": 0.8, "total": 2.4})
    assert regression.main([str(old), str(new)]) == 0  # the warning does not flag anything itself
    said = capsys.readouterr().out
    assert "Reference workload (CPU-s): duckdb 0.80 -> 1.20, numpy 0.30 -> 0.40, python 0.50 -> 0.80 (1.50x)." in said
    assert "The machines differ in speed" in said
    write(new, {"duckdb": 0.85, "numpy": 0.3, "python": 0.52, "total": 1.67})
    regression.main([str(old), str(new)])
    said = capsys.readouterr().out
    assert "(1.04x)." in said and "differ in speed" not in said
    write(old, None)
    regression.main([str(old), str(new)])
    assert "not in both files" in capsys.readouterr().out
