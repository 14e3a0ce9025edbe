"""Fit the shipped default models (``default_model``) on Synthetic London, with the project's code.

Steps, each the ordinary one: generate a synthetic population (``synthetic.generator``, a fixed
seed and as-of date), load its feeds through the validating loaders, link persons, build
features a year before the as-of date with the chosen outcome over the following year, and
``train`` the logistic candidate (fit, support rule, Platt calibration on the validation set).
The model card is the ordinary card of that run, on held-out synthetic residents. Run by
``octopus pipeline fit-default-model``; the command line that made each file is in its
provenance.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from octopus.population import engines
from octopus.population.features.periods import YEAR
from octopus.population.linked import read_linked
from octopus.population.risk.default_model import DEFAULT_MODELS_DIR, write_default
from octopus.population.risk.model_card import build_card, plot_calibration, render_markdown
from octopus.population.risk.outcomes import Outcome
from octopus.population.risk.train import train

FIT_AS_OF = date(2026, 3, 31)
FIT_RESIDENTS = 100_000


def prepare_population(folder: Path, *, residents: int, as_of: date, seed: int) -> Path:
    """Synthetic London's Westminster preset, loaded and linked; returns the linked extract."""
    from octopus.population.feeds.load import load_files
    from octopus.population.feeds.store import FeedStore
    from octopus.population.linkage.extract import write_linked_extract
    from octopus.population.linkage.persons import link_persons
    from octopus.synthetic.generator import generate

    if (folder / "data" / "linked" / "persons.parquet").is_file():
        return folder / "data" / "linked"
    generate(
        folder / "synthetic",
        preset="westminster",
        residents=residents,
        fmt="parquet",
        progress=False,
        as_of=as_of,
        seed=seed,
    )
    with FeedStore.open(folder / "data") as store:
        paths = sorted(p for p in (folder / "synthetic" / "feeds").iterdir() if p.suffix in {".csv", ".parquet"})
        for _path, _result in load_files(store, paths):
            pass
        link_persons(store)
        return write_linked_extract(store)


def fit_default_model(
    outcome: Outcome,
    *,
    residents: int = FIT_RESIDENTS,
    as_of: date = FIT_AS_OF,
    seed: int | None = None,
    work_dir: Path | None = None,
    out_dir: Path = DEFAULT_MODELS_DIR,
    code_version: str = "unknown",
) -> Path:
    from octopus.population.pipeline import _training_frame
    from octopus.synthetic.generator import DEFAULT_SEED

    seed = DEFAULT_SEED if seed is None else seed
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="octopus-default-model-"))
    linked_dir = prepare_population(work_dir, residents=residents, as_of=as_of, seed=seed)
    con = engines.connect()
    training_as_of = as_of - YEAR
    frame, population = _training_frame(
        con, read_linked(linked_dir, con), training_as_of, work_dir / "training.parquet", outcome
    )
    result = train(frame, ("logistic",))
    result.population = population
    card = build_card(
        result,
        training_as_of=training_as_of,
        later_period={"reason": "Not run for the default model: it is fitted once, on synthetic data."},
        predicts=outcome,
    )
    provenance = {
        "fitted_on": (
            f"Synthetic London (Octopus's synthetic population generator, Westminster preset): "
            f"{residents:,} synthetic residents, seed {seed}, as of {as_of}; features as of "
            f"{training_as_of}, outcome in the following 12 months. No real person's data."
        ),
        "fitted_by": (
            f"octopus pipeline fit-default-model --outcome {outcome.name} --residents {residents} "
            f"--as-of {as_of} --seed {seed} (code {code_version})"
        ),
        "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = write_default(out_dir, outcome, result.chosen, card, provenance)
    markdown = render_markdown({**card, "fallback": None})
    note = f"\n## Provenance\n\nFitted on: {provenance['fitted_on']}\n\nFitted by: {provenance['fitted_by']}\n"
    (out_dir / f"{outcome.name}.md").write_text(
        markdown.replace("](calibration.png)", f"]({outcome.name}-calibration.png)") + note
    )
    plot_calibration(result, out_dir / f"{outcome.name}-calibration.png")
    return path
