// Giliran's service worker (served at /sw.js, scope "/"). Tonight and the officer's
// own pages are fetched from the network first and kept, so that they stay readable
// when the signal drops; static files are served from the cache and refreshed.
const PAGES = "giliran-pages-v1";
const STATIC = "giliran-static-v1";
const KEPT_PAGES = ["/tonight/", "/night/checkin/", "/calendar/"];
// Pages served from the cache, by the client that shows them (asked by offline.js).
const fromCache = new Set();

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  const current = [PAGES, STATIC];
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => !current.includes(n)).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function keptPage(request) {
  if (request.mode !== "navigate" || request.method !== "GET") return false;
  return KEPT_PAGES.includes(new URL(request.url).pathname);
}

async function networkFirst(event) {
  const request = event.request;
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
      await cache.put(request, response.clone());
    } else if (response.type === "opaqueredirect" || response.status === 403) {
      // Logged out (sent to the login page): forget what this browser kept.
      await caches.delete(PAGES);
    }
    return response;
  } catch (error) {
    const kept = await cache.match(request);
    if (!kept) throw error;
    if (event.resultingClientId) fromCache.add(event.resultingClientId);
    return kept;
  }
}

async function staleWhileRevalidate(request) {
  const cache = await caches.open(STATIC);
  const kept = await cache.match(request);
  const fresh = fetch(request)
    .then((response) => {
      if (response.ok) cache.put(request, response.clone());
      return response;
    })
    .catch(() => kept);
  return kept || fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (keptPage(request)) {
    event.respondWith(networkFirst(event));
  } else if (request.method === "GET" && url.pathname.startsWith("/static/")) {
    event.respondWith(staleWhileRevalidate(request));
  }
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "from-cache?" && event.ports[0]) {
    event.ports[0].postMessage({ fromCache: fromCache.has(event.source && event.source.id) });
  } else if (data.type === "forget") {
    event.waitUntil(caches.delete(PAGES));
  }
});
