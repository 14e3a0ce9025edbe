// Draws every chart on the page from its Vega-Lite specification (a JSON script element named
// by data-chart-spec), with the vendored vega-embed. The Content-Security-Policy has no
// 'unsafe-eval', so Vega's expressions are run by vega-interpreter over the parsed AST
// (`ast: true`) instead of being compiled with `new Function` (docs/decisions/0027).
(function () {
  "use strict";
  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart-spec"));
    if (!source || element.getAttribute("data-chart-drawn")) return;
    var spec = JSON.parse(source.textContent);
    window.vegaEmbed(element, spec, {
      actions: false,
      ast: true,
      expr: window.vegaInterpreter.expressionInterpreter,
      renderer: "svg",
      defaultStyle: false,  // its <style> element would be refused by the CSP (style-src 'self')
      tooltip: false,
    }).then(function () {
      element.setAttribute("data-chart-drawn", "true");
    }).catch(function (error) {
      element.setAttribute("data-chart-error", String(error));
      element.textContent = "The chart could not be drawn; the table below has its figures.";
      element.removeAttribute("aria-hidden");
    });
  }
  function drawAll(scope) {
    (scope || document).querySelectorAll("[data-chart-spec]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
