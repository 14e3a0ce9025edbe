// The CHWW's phone: keeps today's households for use without signal (decision 0030).
//
// What it keeps, and for how long (docs/information-governance.md, "Outreach on the phone"):
// - today's household pages (the outreach fields only), in a cache named after London's date;
//   caches of earlier days are deleted whenever the worker starts, a page opens or the day is
//   saved, so nothing identifiable outlives the day;
// - the site's static files (no resident data), so a saved page still looks right.
// Sign-out deletes all of it (the page asks first if visits are still waiting to be sent), and
// the sign-out response carries Clear-Site-Data for the browser to do the same.
// Visits are never queued here: the page's outbox (doorstep.js) keeps them in IndexedDB.

const DAY_PREFIX = "octopus-outreach-day-";
const STATIC_CACHE = "octopus-outreach-static";

function londonToday() {
  // en-CA formats as YYYY-MM-DD; London's date, not UTC's (they differ after 23:00 in summer).
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function todaysCache() {
  return DAY_PREFIX + londonToday();
}

async function dropEarlierDays() {
  const keep = todaysCache();
  for (const name of await caches.keys()) {
    if (name.startsWith(DAY_PREFIX) && name !== keep) await caches.delete(name);
  }
}

async function forgetEverything() {
  for (const name of await caches.keys()) {
    if (name.startsWith(DAY_PREFIX) || name === STATIC_CACHE) await caches.delete(name);
  }
}

async function saveDay(pages, assets) {
  await dropEarlierDays();
  const day = await caches.open(todaysCache());
  for (const url of pages) {
    // Only pages not yet saved today: each fetch of a household is an audited disclosure.
    if (await day.match(url, { ignoreVary: true })) continue;
    const response = await fetch(url, { credentials: "same-origin", headers: { "X-Octopus-Offline": "save-day" } });
    if (response.ok && !response.redirected) await day.put(url, response);
  }
  const files = await caches.open(STATIC_CACHE);
  for (const url of assets) {
    if (await files.match(url)) continue;
    const response = await fetch(url);
    if (response.ok) await files.put(url, response);
  }
}

const NOT_SAVED = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>No signal – Octopus</title></head>
<body><main><h1>No signal</h1><p>This page is not saved on this phone, so it needs a signal.</p>
<p>Today's households are saved: go to <a href="/outreach/">My households</a>.</p></main></body></html>`;

async function pageFromNetworkOrToday(request) {
  await dropEarlierDays();
  const day = await caches.open(todaysCache());
  try {
    const response = await fetch(request);
    // Keep a saved page up to date (new visits, the outbox), but never save new pages here:
    // only the day's households are kept (saveDay).
    if (response.ok && !response.redirected && (await day.match(request.url, { ignoreVary: true }))) {
      await day.put(request.url, response.clone());
    }
    return response;
  } catch (error) {
    const saved = await day.match(request.url, { ignoreVary: true });
    return saved || new Response(NOT_SAVED, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

async function staticFromNetworkOrCache(request) {
  const files = await caches.open(STATIC_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await files.put(request, response.clone());
    return response;
  } catch (error) {
    const saved = await files.match(request, { ignoreVary: true });
    if (saved) return saved;
    throw error;
  }
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(dropEarlierDays().then(() => self.clients.claim())));

self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type === "save-day") event.waitUntil(saveDay(message.pages || [], message.assets || []));
  if (message.type === "forget") event.waitUntil(forgetEverything());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // visits go to the network from the page's outbox
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFromNetworkOrCache(request));
  } else if (request.mode === "navigate" && url.pathname.startsWith("/outreach/")) {
    event.respondWith(pageFromNetworkOrToday(request));
  }
});
