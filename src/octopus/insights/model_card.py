"""The engine's model card (Markdown) as HTML for the Population section.

Raw HTML in the Markdown is escaped, not passed through; tables get the NHS.UK table class and a
scrolling region; the calibration plot is served by a capability-checked view, not from disk."""

from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False}).enable("table")


def render_model_card(text: str, calibration_url: str) -> str:
    html = _RENDERER.render(text.replace("](calibration.png)", f"]({calibration_url})"))
    html = html.replace(
        "<table>",
        '<div class="octopus-table-scroll" tabindex="0" role="region" '
        'aria-label="Table, scrolls sideways on small screens"><table class="nhsuk-table">',
    )
    html = html.replace("</table>", "</table></div>")
    for level in range(5, 0, -1):  # the page has its own h1: the card's headings sit under it
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(f"</h{level}>", f"</h{level + 1}>")
    return html.replace("<img ", '<img class="octopus-figure" ')
