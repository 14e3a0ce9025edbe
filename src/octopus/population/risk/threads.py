"""How many OpenMP and BLAS threads the risk model's numerical work may use.

``MODEL_THREADS`` (env ``OCTOPUS_MODEL_THREADS``, default 1): on a shared machine scikit-learn's
OpenMP threads spin-wait for each other, and HistGradientBoosting took 25 s with two threads
against 1.5 s with one for 1,800 residents. Apart from ``train`` so that scoring and explaining,
which do not import scikit-learn, use the same setting.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

MODEL_THREADS = int(os.environ.get("OCTOPUS_MODEL_THREADS", "1"))


@contextmanager
def model_threads(threads: int | None = None, user_api: str | None = None):
    """Limit OpenMP and BLAS threads (or only ``user_api``'s) while fitting or predicting."""
    with threadpool_limits(limits=threads or MODEL_THREADS, user_api=user_api):
        yield
