"""INT impact: residents in the INT's care against matched comparators."""

from django.http import Http404
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.core import charts
from octopus.governance.consent import analytics_excluded_person_ids

from .. import impact
from ..current import Current
from .common import page


@require_GET
@require("view_population")
def impact_page(request):
    """Residents in the INT's care against matched comparators, 6 or 12 months before and after
    (``?months=``), by difference-in-differences with balance shown."""
    current = Current()
    try:
        months = int(request.GET.get("months") or 12)
    except ValueError:
        months = 0
    if months not in impact.WINDOWS:
        raise Http404("Choose 6 or 12 months.")
    if not current.available:
        return page(request, "impact", current, months=months)
    excluded = analytics_excluded_person_ids()
    evaluation = impact.evaluate(current.folder, current.published.as_of, impact.cared_for(excluded), excluded, months)
    shown = []
    if evaluation is not None and evaluation.enough:
        shown = [
            impact.difference_chart(evaluation, current.published.as_of),
            impact.balance_chart(evaluation, current.published.as_of),
        ]
    return charts.csv_or(request, shown) or page(
        request,
        "impact",
        current,
        evaluation=evaluation,
        figures=shown,
        months=months,
        windows=list(impact.WINDOWS),
        min_pairs=impact.MIN_PAIRS,
    )
