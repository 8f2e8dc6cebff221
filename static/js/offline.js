// Registers the service worker (static/js/sw.js, served at /sw.js) and says plainly
// when the page shown is a kept copy: offline, and how old. Without JavaScript or
// service workers the site works as before, online only.
(() => {
  const body = document.body;
  const banner = document.getElementById("offline-banner");

  function showBanner() {
    if (!banner) return;
    const rendered = Number(body.dataset.renderedAt || 0) * 1000;
    const minutes = Math.max(0, Math.round((Date.now() - rendered) / 60000));
    banner.querySelector("[data-offline-age]").textContent = (banner.dataset.ageText || "").replace(
      "{minutes}",
      String(minutes),
    );
    banner.hidden = false;
  }

  if (!navigator.onLine) showBanner();
  window.addEventListener("offline", showBanner);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    const controller = navigator.serviceWorker.controller;
    if (controller) {
      // Ask whether this page came from the cache (a dropped signal that the browser
      // still counts as online).
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        if (event.data && event.data.fromCache) showBanner();
      };
      controller.postMessage({ type: "from-cache?" }, [channel.port2]);
    }
    // Logging out forgets the kept pages on this phone.
    document.querySelectorAll("form[data-logout]").forEach((form) =>
      form.addEventListener("submit", () => {
        if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "forget" });
        if (window.caches) caches.delete("giliran-pages-v1");
      }),
    );
  }

  // Check-ins made offline (static/js/checkin.js), sent when the signal returns: each
  // with how long ago it was made and its key, so the server records it once, at the
  // time it was made. A refused one is dropped; the page then shows the real state.
  const QUEUE = "giliran-checkins";
  let sending = false;

  async function sendQueued() {
    let list = [];
    try {
      list = JSON.parse(localStorage.getItem(QUEUE)) || [];
    } catch (error) {
      list = [];
    }
    if (sending || !list.length || !navigator.onLine) return;
    sending = true;
    let sent = 0;
    try {
      for (const entry of list) {
        const data = new FormData();
        for (const [name, value] of Object.entries(entry.fields)) data.append(name, value);
        data.set("made_ago_s", String(Math.max(0, Math.round((Date.now() - entry.made) / 1000))));
        data.set("client_key", entry.key);
        await fetch(entry.action, { method: "POST", body: data, credentials: "same-origin" });
        sent += 1;
        const rest = (JSON.parse(localStorage.getItem(QUEUE)) || []).filter((e) => e.key !== entry.key);
        localStorage.setItem(QUEUE, JSON.stringify(rest));
      }
    } catch (error) {
      // Still no signal: the rest waits for the next "online".
    } finally {
      sending = false;
    }
    if (sent) location.reload();
  }

  window.addEventListener("online", sendQueued);
  sendQueued();
})();
