"""The model card: what the risk model was trained on and how well it does, for whom.

Written as ``model_card.json`` (for the web app) and ``model_card.md`` (for people), with a
calibration plot. Counts follow the disclosure rules of every other page (``core.disclosure``:
1-7 suppressed, the rest rounded to 5): a subgroup is withheld when it has fewer than 10
residents or when its events or non-events would be suppressed (they are unstable and could
identify people), and the residents and events shown are rounded. A PPV/sensitivity pair that
rests on 1-7 residents flagged and admitted is withheld too.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from octopus.core.disclosure import is_small, publish_count  # noqa: E402
from octopus.population.risk.design import feature_names, outcome  # noqa: E402
from octopus.population.risk.metrics import calibration_curve, evaluate  # noqa: E402
from octopus.population.risk.outcomes import DEFAULT_OUTCOME, Outcome  # noqa: E402
from octopus.population.risk.train import (  # noqa: E402
    TrainingResult,
    baseline_scores,
    not_shown,
    points_table,
)

SUBGROUPS = {"IMD quintile": "imd_quintile", "sex": "sex", "age band": "age_band", "ethnic group": "ethnicity_group"}
MIN_GROUP = 10
WITHHELD_GROUP = f"fewer than {MIN_GROUP} residents, or 1-7 residents with or without the outcome"
PUBLISHED = [
    {
        "model": "QAdmissions (Hippisley-Cox & Coupland, BMJ Open 2013)",
        "auroc": "about 0.76-0.78",
        "note": "English primary care (QResearch), ages 18-100, 2-year emergency admission.",
    },
    {
        "model": "SPARRA version 4 (Public Health Scotland, 2023)",
        "auroc": "about 0.80",
        "note": "Whole Scottish population, 12-month emergency admission, national linked data.",
    },
]
COMPARABILITY = (
    "Published figures are for other populations, outcomes and data; they are shown for "
    "orientation only and are not directly comparable with this model's figures."
)


def subgroup_figures(frame: pd.DataFrame, p: np.ndarray, resamples: int) -> dict:
    y = outcome(frame)
    result = {}
    for title, column in SUBGROUPS.items():
        groups = {}
        values = frame[column].astype("object").where(frame[column].notna(), "unknown").astype(str)
        for value in sorted(values.unique()):
            mask = (values == value).to_numpy()
            events = int(y[mask].sum())
            if mask.sum() < MIN_GROUP or is_small(events) or is_small(int(mask.sum()) - events):
                groups[value] = {"withheld": WITHHELD_GROUP}
            else:
                groups[value] = evaluate(y[mask], p[mask], resamples=resamples)
        result[title] = groups
    return result


def _population(result: TrainingResult) -> dict:
    frame = result.training_frame
    read = {
        "residents": int(len(frame)),
        "events": int(outcome(frame).sum()),
        "split": result.roles.value_counts().to_dict(),
    }
    if result.population is None:
        return read
    # A sample per role of a larger population (train.in_role_sample): say both.
    return {**result.population, "sample": read}


def held_out_predictions(result: TrainingResult) -> dict[str, np.ndarray]:
    """Each candidate's calibrated predictions for the held-out residents, computed once."""
    if not result.held_out:
        test = result.matrix[result.rows("test")]
        result.held_out.update({name: m.predict(test) for name, m in result.candidates.items()})
    return result.held_out


def build_card(
    result: TrainingResult,
    *,
    training_as_of: date,
    later_period: dict | None,
    resamples: int = 200,
    predicts: Outcome = DEFAULT_OUTCOME,
) -> dict:
    """The card of a training run; ``predicts`` is the outcome it was trained for."""
    frame = result.training_frame
    test = frame[(result.roles == "test").to_numpy()]
    y = outcome(test)
    predictions = held_out_predictions(result)
    models = {
        name: {
            "validation_auroc": result.validation_auroc[name],
            "held_out": evaluate(y, predictions[name], resamples=resamples),
        }
        for name in result.candidates
    }
    baselines = {name: evaluate(y, score, resamples=resamples) for name, score in baseline_scores(result, test).items()}
    chosen_p = predictions[result.chosen.kind]
    return {
        "model_version": predicts.model_version,
        "outcome_name": predicts.name,
        "outcome": predicts.definition,
        "data_period": {
            "features_as_of": training_as_of.isoformat(),
            "outcome_from_exclusive": training_as_of.isoformat(),
            "outcome_to": (training_as_of.replace(year=training_as_of.year + 1)).isoformat()
            if not (training_as_of.month == 2 and training_as_of.day == 29)
            else None,
        },
        "population": _population(result),
        "features": feature_names(),
        "chosen_model": result.chosen.kind,
        "selection": (
            "Higher AUROC on the validation set; probabilities recalibrated on the validation set by Platt scaling."
        ),
        "models": models,
        "baselines": baselines,
        "subgroups_chosen_model_held_out": subgroup_figures(test, chosen_p, resamples=min(resamples, 100)),
        "later_period": later_period,
        "points": points_table(result.logistic),
        "points_not_shown": not_shown(result.logistic),
        "published_comparators": PUBLISHED,
        "comparability": COMPARABILITY,
    }


def plot_calibration(result: TrainingResult, path: Path) -> None:
    test = result.training_frame[(result.roles == "test").to_numpy()]
    y = outcome(test)
    figure, axes = plt.subplots(figsize=(5, 5))
    top = 0.0
    for name, p in held_out_predictions(result).items():
        predicted, observed = calibration_curve(y, p)
        axes.plot(predicted, observed, marker="o", label=name)
        top = max(top, predicted.max(initial=0), observed.max(initial=0))
    top = top or 1.0
    axes.plot([0, top], [0, top], linestyle="--", color="grey", label="perfect calibration")
    axes.set_xlabel("Mean predicted risk (decile of predicted risk)")
    axes.set_ylabel("Observed emergency admission rate")
    axes.set_title("Calibration on held-out residents")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _fmt(value, digits=3):
    return "—" if value is None else f"{value:.{digits}f}"


def _count(value) -> str:
    shown = publish_count(int(value))
    return "fewer than 8" if shown is None else f"{shown:,}"


def _top_share(figures: dict) -> str:
    """PPV/sensitivity, withheld when the residents flagged and admitted number 1 to 7."""
    hits = round(figures["ppv"] * figures["n"])
    if is_small(hits):
        return "withheld"
    return f"{figures['ppv']:.2f}/{figures['sensitivity']:.2f}"


def _row(name: str, figures: dict) -> str:
    if "withheld" in figures:
        return f"| {name} | withheld: {figures['withheld']} | | | | | |"
    ci = figures["auroc_95ci"]
    cal = figures["calibration"] or {}
    return (
        f"| {name} | {_count(figures['n'])} | {_count(figures['events'])} | {_fmt(figures['auroc'])}"
        f" ({_fmt(ci[0]) if ci else '—'}–{_fmt(ci[1]) if ci else '—'}) | {_fmt(cal.get('slope'), 2)}"
        f" / {_fmt(cal.get('in_the_large'), 2)} | "
        + " ".join(_top_share(figures[k]) for k in ("top_1pct", "top_5pct", "top_20pct"))
        + " |"
    )


def _sample_words(population: dict) -> str:
    sample = population.get("sample")
    if not sample:
        return ""
    split = ", ".join(f"{_count(n)} {role}" for role, n in sorted(sample["split"].items()))
    return (
        f" Read as a stable sample per role of {_count(sample['residents'])} residents ({split}); "
        "figures below are for the sampled held-out residents."
    )


CALIBRATION_NOTE = (
    "Calibration slope: b in the refit y ~ a + b logit(p) (1 is perfect). Calibration-in-the-large: "
    "a in y ~ a + logit(p), the slope fixed at 1 (0 is perfect; above 0 the model under-predicts). "
    "Counts are rounded to the nearest 5 and counts of 1-7 withheld, as on every other page."
)
HEADER = (
    "| | residents | events | AUROC (95% CI) | calibration slope / calibration-in-the-large | "
    "PPV/sensitivity top 1% 5% 20% |\n|---|---|---|---|---|---|"
)


def fallback_card(default, *, reason: str, population: dict) -> dict:
    """The card of a run scored by the shipped default model (``default_model``): its own card,
    which describes the synthetic population it was fitted on, with why it was used and on whom."""
    return {
        **default.card,
        "fallback": {
            "reason": reason,
            "local_population": population,
            "provenance": default.provenance,
            "note": (
                "This population's own data could not support training a model, so residents are "
                "scored by the default model shipped with Octopus. Its figures below are for "
                "held-out residents of the synthetic population it was fitted on, not for this "
                "population: treat ranks as a starting point and bands as indicative."
            ),
        },
    }


def _fallback_words(card: dict) -> list[str]:
    fallback = card.get("fallback")
    if not fallback:
        return []
    provenance = fallback["provenance"]
    local = fallback["local_population"]
    return [
        "## Scored by the shipped default model",
        "",
        f"**{fallback['note']}**",
        "",
        f"Why: {fallback['reason']}",
        "",
        f"This population at the training date: {_count(local['residents'])} residents, "
        f"{_count(local['events'])} with the outcome.",
        "",
        f"Fitted on: {provenance['fitted_on']}",
        "",
        f"Fitted by: {provenance['fitted_by']}",
        "",
    ]


def _points_words(card: dict) -> list[str]:
    lines = ["## Points view (logistic model)", ""]
    hidden = card.get("points_not_shown")
    if hidden:
        lines += [f"{hidden['rule']}", ""]
        if hidden["pooled"]:
            lines += [f"Pooled as rare flags: {', '.join(hidden['pooled'])}.", ""]
        if hidden["left_out"]:
            lines += [f"Left out: {', '.join(hidden['left_out'])}.", ""]
    lines += ["| feature | points per unit | odds ratio per unit |", "|---|---|---|"]
    lines += [f"| {p['feature']} | {p['points_per_unit']} | {p['odds_ratio_per_unit']:.2f} |" for p in card["points"]]
    return lines


def render_markdown(card: dict) -> str:
    lines = [
        f"# Model card: {card['model_version']}",
        "",
        *_fallback_words(card),
        f"**Outcome.** {card['outcome']}",
        "",
        f"**Data period.** Features as of {card['data_period']['features_as_of']}; outcome in the "
        f"following 12 months. {_count(card['population']['residents'])} residents, "
        f"{_count(card['population']['events'])} with the outcome.{_sample_words(card['population'])}",
        "",
        f"**Chosen model:** {card['chosen_model']}. {card['selection']}",
        "",
        "## Held-out residents",
        "",
        CALIBRATION_NOTE,
        "",
        HEADER,
        *(_row(name, m["held_out"]) for name, m in card["models"].items()),
        *(_row(f"baseline: {name}", figures) for name, figures in card["baselines"].items()),
        "",
        "![Calibration](calibration.png)",
        "",
    ]
    lines += ["## Later period", ""]
    later = card["later_period"]
    if later and "figures" in later:
        lines += [later["description"], "", HEADER, _row(card["chosen_model"], later["figures"]), ""]
    else:
        lines += [(later or {}).get("reason", "Not available."), ""]
    for title, groups in card["subgroups_chosen_model_held_out"].items():
        lines += [
            f"## By {title} (chosen model, held-out residents)",
            "",
            HEADER,
            *(_row(value, figures) for value, figures in groups.items()),
            "",
        ]
    lines += _points_words(card)
    lines += ["", "## Published models", ""]
    lines += [f"- {p['model']}: AUROC {p['auroc']}. {p['note']}" for p in card["published_comparators"]]
    lines += ["", card["comparability"], ""]
    return "\n".join(lines)


def write_card(card: dict, result, directory: Path) -> None:
    """The card, and the calibration plot of the run (or, scored by the default model, of its fit)."""
    (directory / "model_card.json").write_text(json.dumps(card, indent=2, default=str))
    (directory / "model_card.md").write_text(render_markdown(card))
    if isinstance(result, TrainingResult):
        plot_calibration(result, directory / "calibration.png")
    elif result.calibration_plot.is_file():
        shutil.copyfile(result.calibration_plot, directory / "calibration.png")
