"""Which features have enough residents with the outcome behind them to be estimated alone.

A flag held by a handful of residents gets a wild coefficient (a synthetic run showed HIV x314
and palliative care x0.04 in the points table), and a GP shown that distrusts every score. The
rule, applied to the training sample before fitting:

* A feature's *support* is the number of training residents whose value differs from the
  feature's most common value (for a flag: who have it; for a count: who have any) and who had
  the outcome, and, separately, the number who did not.
* A feature is estimated alone only when both are at least ``MIN_SUPPORT``: 10, the events per
  variable below which logistic regression coefficients are biased and unstable (Peduzzi et al.,
  J Clin Epidemiol 1996;49:1373-9), and above the disclosure threshold (counts of 1-7 are
  suppressed, ``core.disclosure``), so no effect shown rests on a suppressible count.
* Flags that fail are *pooled*: the model sees one feature, ``rare_flags_pooled``, the number
  of such flags a resident has, and each of them gets no effect of its own. Other features that
  fail (a count almost nobody has) are *left out*. The pooled feature is itself checked by the
  same rule and left out if it fails.

The model card's points table shows only features that pass, and lists the others by name with
the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from octopus.core.disclosure import DisclosureRules
from octopus.population.risk.design import FLAGS, POOLED_FLAGS, feature_names

MIN_SUPPORT = max(10, DisclosureRules().suppress_up_to + 1)
RULE = (
    f"An effect is estimated and shown only when at least {MIN_SUPPORT} training residents with the "
    f"feature (a flag they have, a count above zero, a value other than the most common) had the "
    f"outcome, and at least {MIN_SUPPORT} did not. Rarer flags are pooled into one count of rare "
    "flags; other rarer features are left out of the model."
)


@dataclass(frozen=True)
class FeatureSupport:
    """The pooling and leaving-out decided on a training sample, applied to every matrix after."""

    pooled: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    # Per feature: (residents with it who had the outcome, residents with it who did not).
    counts: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)

    def apply(self, matrix: np.ndarray) -> np.ndarray:
        if not self.pooled and not self.left_out:
            return matrix
        names = feature_names()
        matrix = matrix.copy(order="K")  # column-major stays so (``design.design_matrix``)
        pooled = [names.index(n) for n in self.pooled]
        if pooled:
            matrix[:, names.index(POOLED_FLAGS)] = matrix[:, pooled].sum(axis=1)
            matrix[:, pooled] = 0.0
        for name in self.left_out:
            matrix[:, names.index(name)] = 0.0
        return matrix

    def as_linear_map(self) -> np.ndarray:
        """``apply`` as a matrix ``m``: ``apply(x)`` equals ``x @ m`` (pooling sums columns into
        one and zeroes them; leaving out zeroes), so it folds into other linear steps."""
        names = feature_names()
        m = np.eye(len(names))
        pooled = [names.index(n) for n in self.pooled]
        if pooled:
            target = names.index(POOLED_FLAGS)
            m[:, target] = 0.0
            m[pooled, target] = 1.0
            m[:, pooled] = 0.0
        for name in self.left_out:
            m[:, names.index(name)] = 0.0
        return m

    def shown(self, feature: str) -> bool:
        if feature == POOLED_FLAGS and not self.pooled:
            return False  # nothing pooled: the column is all zeros
        return feature not in self.pooled and feature not in self.left_out

    def as_data(self) -> dict:
        return {"pooled": list(self.pooled), "left_out": list(self.left_out)}

    @classmethod
    def from_data(cls, data: dict) -> FeatureSupport:
        return cls(tuple(data.get("pooled", ())), tuple(data.get("left_out", ())))


def _support(column: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    values, counts = np.unique(column, return_counts=True)
    differs = column != values[np.argmax(counts)]
    events = int(y[differs].sum())
    return events, int(differs.sum()) - events


def enough(counts: tuple[int, int], minimum: int = MIN_SUPPORT) -> bool:
    return min(counts) >= minimum


def decide(matrix: np.ndarray, y: np.ndarray, minimum: int = MIN_SUPPORT) -> FeatureSupport:
    """Pool or leave out the features of ``matrix`` (training rows) that fail the rule."""
    names = feature_names()
    counts = {name: _support(matrix[:, j], y) for j, name in enumerate(names) if name != POOLED_FLAGS}
    failing = [name for name, c in counts.items() if not enough(c, minimum)]
    pooled = tuple(n for n in failing if n in FLAGS)
    left_out = [n for n in failing if n not in FLAGS]
    pooling = FeatureSupport(pooled)
    if pooled:
        counts[POOLED_FLAGS] = _support(pooling.apply(matrix)[:, names.index(POOLED_FLAGS)], y)
        if not enough(counts[POOLED_FLAGS], minimum):
            left_out.append(POOLED_FLAGS)
    return FeatureSupport(pooled, tuple(left_out), counts)
