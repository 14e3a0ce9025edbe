// Starts the NHS.UK frontend components; loaded as a module so no inline script is needed
// (the Content-Security-Policy forbids them).
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

initAll();

// htmx swaps in new content: initialise the NHS.UK components inside it as well.
document.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.target });
});

// Elements marked data-confirm ask before a destructive action, without inline handlers.
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
