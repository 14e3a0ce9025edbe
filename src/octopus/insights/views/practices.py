"""Practice variation: each practice's figures and the funnel plot against its peers."""

from django.http import Http404
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.core import charts

from .. import figures, funnels
from ..current import Current
from ..organisations import organisation_names
from .common import chart_tables, page


@require_GET
@require("view_population")
def practices(request):
    current = Current()
    if not current.available:
        return page(request, "practices", current, rows=[], outside=0)
    tables = chart_tables(current)
    rows = figures.practice_variation(tables.bands, organisation_names())
    indicator = request.GET.get("indicator") or "top-bands"
    if indicator not in funnels.INDICATORS:
        raise Http404(f"No practice indicator {indicator!r}.")
    peers, peer_label, peer_choice = _peer_group(request)
    figure, outliers, overdispersed = funnels.practice_funnel(
        tables.bands, indicator, peers, organisation_names(), current.published.as_of, peer_label
    )
    shown = [figure] if figure else []
    return charts.csv_or(request, shown) or page(
        request,
        "practices",
        current,
        rows=rows,
        outside=sum(1 for r in rows if r["outside"]),
        figures=shown,
        outliers=outliers,
        overdispersed=overdispersed,
        indicator=indicator,
        indicators=funnels.INDICATORS,
        peer_choice=peer_choice,
        peer_label=peer_label,
        peer_options=_peer_options(),
        precomputed=tables.precomputed,
    )


def _peer_options() -> list[tuple[str, str]]:
    from octopus.directory.models import Neighbourhood

    return [(n.slug, f"{n.name}'s practices") for n in Neighbourhood.objects.order_by("name")] + [
        ("all", "All practices")
    ]


def _peer_group(request) -> tuple[set[str] | None, str, str]:
    """The practices compared: the chosen (or first) neighbourhood's, or all with ``?peers=all``."""
    from octopus.directory.models import Neighbourhood

    choice = request.GET.get("peers") or ""
    if choice == "all":
        return None, "all practices in the snapshot", "all"
    neighbourhood = (
        Neighbourhood.objects.filter(slug=choice).first() if choice else Neighbourhood.objects.order_by("name").first()
    )
    if neighbourhood is None:
        if choice:
            raise Http404(f"No neighbourhood {choice!r}.")
        return None, "all practices in the snapshot", "all"
    return (
        set(neighbourhood.practices.values_list("ods_code", flat=True)),
        f"the practices of {neighbourhood.name}",
        neighbourhood.slug,
    )
