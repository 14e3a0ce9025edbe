// The CHWW's phone pages: an outbox for visits recorded without signal, drafts that survive a
// reload, and today's households saved for use offline (decision 0030; what is kept and for
// how long: docs/information-governance.md). Loaded as a module: the CSP allows no inline script.

const DATABASE = "octopus-outreach";
const OUTBOX = "outbox"; // visits saved on the phone, waiting to be sent; key: the visit's client key
const DRAFTS = "drafts"; // a half-filled visit form per household; key: the form's action URL
const RETRY_MS = 15000;

function londonToday() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// --- IndexedDB, as promises -------------------------------------------------------------------

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(OUTBOX, { keyPath: "key" });
      request.result.createObjectStore(DRAFTS, { keyPath: "url" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(name, mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const request = action(tx.objectStore(name));
    tx.oncomplete = () => { db.close(); resolve(request ? request.result : undefined); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  });
}

const all = (name) => store(name, "readonly", (s) => s.getAll());
const get = (name, key) => store(name, "readonly", (s) => s.get(key));
const put = (name, value) => store(name, "readwrite", (s) => s.put(value));
const remove = (name, key) => store(name, "readwrite", (s) => s.delete(key));

// --- sending ------------------------------------------------------------------------------------

function csrfToken(entry) {
  // A page loaded with signal carries a current token; a queued visit keeps the one it was saved with.
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return (field && field.value) || entry.token;
}

async function send(entry) {
  const body = new URLSearchParams(entry.fields);
  body.set("client_key", entry.key);
  body.set("csrfmiddlewaretoken", csrfToken(entry));
  let response;
  try {
    response = await fetch(entry.url, {
      method: "POST", body, credentials: "same-origin", redirect: "manual",
      headers: { "X-Octopus-Outbox": "1", Accept: "application/json" },
    });
  } catch (error) {
    return { state: "waiting" }; // no signal: try again later
  }
  if (response.type === "opaqueredirect") return markProblem(entry, "Sign in again to send this visit.");
  if (response.status >= 500) return { state: "waiting" };
  if (response.ok) {
    await remove(OUTBOX, entry.key);
    return { state: "sent", ...(await response.json()) };
  }
  if (response.status === 400) {
    const { errors } = await response.json();
    return { state: "invalid", errors, problem: Object.values(errors).flat().join(" ") };
  }
  return markProblem(entry, response.status === 404
    ? "This household is no longer on a round of yours that is running, so the visit cannot be sent."
    : "The visit was not accepted. Sign in again and open the household.");
}

async function markProblem(entry, problem) {
  await put(OUTBOX, { ...entry, problem });
  return { state: "problem", problem };
}

let flushing = null;

async function flushOnce() {
  for (const entry of await all(OUTBOX)) {
    if (entry.problem) continue;
    const result = await send(entry);
    if (result.state === "waiting") break;
    if (result.state === "invalid") await markProblem(entry, result.problem);
  }
}

function flush() {
  // One flush at a time in this tab; across tabs (navigator.locks) too. The client key makes a
  // second send harmless anyway: the server records the visit once.
  if (!flushing) {
    const run = navigator.locks ? () => navigator.locks.request("octopus-outbox", flushOnce) : flushOnce;
    flushing = run().finally(() => { flushing = null; render(); });
  }
  return flushing;
}

// --- what is waiting ----------------------------------------------------------------------------

function time(ms) {
  return new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" });
}

async function render() {
  const panel = document.getElementById("outbox");
  if (!panel) return;
  const entries = await all(OUTBOX);
  const list = panel.querySelector("ul");
  const summary = panel.querySelector("[data-outbox-summary]");
  list.replaceChildren();
  panel.hidden = entries.length === 0;
  const waiting = entries.filter((e) => !e.problem).length;
  const problems = entries.length - waiting;
  summary.textContent = [
    waiting ? `${waiting} ${waiting === 1 ? "visit is" : "visits are"} saved on this phone, waiting to be sent. ` +
      (navigator.onLine ? "Sending now." : "They will be sent when the signal returns.") : "",
    problems ? `${problems} could not be sent: see below.` : "",
  ].join(" ").trim();
  for (const entry of entries) {
    const item = document.createElement("li");
    item.textContent = `${entry.address}: saved at ${time(entry.savedAt)}${entry.problem ? `. Not sent: ${entry.problem}` : ", waiting"}`;
    if (entry.problem) {
      const discard = document.createElement("button");
      discard.type = "button";
      discard.className = "nhsuk-button nhsuk-button--secondary nhsuk-button--small";
      discard.textContent = `Delete the visit to ${entry.address} from this phone`;
      discard.addEventListener("click", async () => {
        if (window.confirm("Delete this visit from the phone? It has not been sent.")) { await remove(OUTBOX, entry.key); render(); }
      });
      item.append(" ", discard);
    }
    list.append(item);
  }
}

// --- the visit form -----------------------------------------------------------------------------

function fieldsOf(form) {
  return [...new FormData(form).entries()].filter(([name]) => name !== "csrfmiddlewaretoken" && name !== "client_key");
}

function fill(form, fields) {
  const values = new Map();
  for (const [name, value] of fields) values.set(name, [...(values.get(name) || []), value]);
  for (const element of form.elements) {
    if (!element.name || element.name === "csrfmiddlewaretoken" || element.name === "client_key") continue;
    const chosen = values.get(element.name) || [];
    if (element.type === "radio" || element.type === "checkbox") element.checked = chosen.includes(element.value);
    else if (chosen.length) element.value = chosen[0];
  }
}

async function startForm(form) {
  const keyField = form.elements.namedItem("client_key");
  const draft = await get(DRAFTS, form.action);
  if (draft && draft.day === londonToday()) {
    fill(form, draft.fields);
    keyField.value = draft.key;
    const note = document.querySelector("[data-draft-restored]");
    if (note) note.hidden = false;
  }
  if (!keyField.value) keyField.value = newKey();
  const saveDraft = () => put(DRAFTS, { url: form.action, day: londonToday(), key: keyField.value, fields: fieldsOf(form) });
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const entry = {
      key: keyField.value, url: form.action, address: form.dataset.address, fields: fieldsOf(form),
      token: form.elements.namedItem("csrfmiddlewaretoken").value, savedAt: Date.now(), day: londonToday(),
    };
    await put(OUTBOX, entry);
    await remove(DRAFTS, form.action);
    const result = await send(entry);
    if (result.state === "sent") {
      window.location.assign(result.next);
    } else if (result.state === "invalid") {
      // Nothing was recorded: let the server show its error summary, with the same key.
      await remove(OUTBOX, entry.key);
      await saveDraft();
      HTMLFormElement.prototype.submit.call(form);
    } else {
      form.reset();
      keyField.value = newKey();
      // The outbox first, then the confirmation: whoever reads the confirmation (or hears it, as
      // focus moves there) finds the count of visits waiting already said beside it.
      await render();
      const saved = document.querySelector("[data-saved-offline]");
      if (saved) { saved.hidden = false; saved.focus(); }
    }
  });
}

async function dropEarlierDrafts() {
  const today = londonToday();
  for (const draft of await all(DRAFTS)) if (draft.day !== today) await remove(DRAFTS, draft.url);
}

// --- today's households on the phone, and sign-out -----------------------------------------------

async function saveDay(panel) {
  if (!("serviceWorker" in navigator) || !panel.dataset.serviceWorker) return;
  await navigator.serviceWorker.register(panel.dataset.serviceWorker, { scope: panel.dataset.scope });
  const pages = JSON.parse(panel.dataset.saveDay || "[]");
  if (!pages.length) return;
  const registration = await navigator.serviceWorker.ready;
  const assets = performance.getEntriesByType("resource").map((r) => r.name)
    .filter((url) => url.startsWith(`${location.origin}/static/`));
  registration.active.postMessage({ type: "save-day", pages: [panel.dataset.scope, ...pages], assets });
}

async function forgetThisPhone() {
  if ("serviceWorker" in navigator) {
    for (const registration of await navigator.serviceWorker.getRegistrations()) {
      if (registration.active) registration.active.postMessage({ type: "forget" });
      await registration.unregister();
    }
  }
  if (window.caches) for (const name of await caches.keys()) if (name.startsWith("octopus-outreach")) await caches.delete(name);
  await new Promise((resolve) => { const r = indexedDB.deleteDatabase(DATABASE); r.onsuccess = r.onerror = r.onblocked = resolve; });
}

function guardSignOut() {
  const form = document.querySelector("form[action$='/accounts/logout/']");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const waiting = (await all(OUTBOX)).length;
    if (waiting && !window.confirm(`${waiting} ${waiting === 1 ? "visit has" : "visits have"} not been sent yet. ` +
        "Signing out deletes them from this phone. Sign out anyway?")) return;
    await forgetThisPhone();
    HTMLFormElement.prototype.submit.call(form);
  });
}

const panel = document.getElementById("outbox");
if (panel) {
  guardSignOut();
  dropEarlierDrafts();
  const form = document.querySelector("form[data-outbox]");
  if (form) startForm(form);
  render().then(() => navigator.onLine && flush());
  window.addEventListener("online", flush);
  window.addEventListener("offline", render);
  setInterval(() => { if (!panel.hidden) flush(); }, RETRY_MS);
  saveDay(panel).catch(() => {}); // without a service worker the outbox still works; only offline reloads do not
}
