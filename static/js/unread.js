// The header's unread count, fetched after the page has loaded so that no page
// pays a database query for it. Without JavaScript the link is still there.
const link = document.querySelector("a[data-unread-url]");
if (link) {
  fetch(link.dataset.unreadUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((data) => {
      const requests = document.querySelector("a[data-pending-badge]");
      if (data && data.pending && requests) {
        // Blackouts and swaps waiting on this user's decision.
        const pending = document.createElement("span");
        pending.className = "badge warn";
        pending.textContent = String(data.pending);
        pending.title = requests.dataset.pendingTitle || "";
        requests.append(" ", pending);
      }
      if (!data || !data.unread) return;
      const badge = document.createElement("span");
      badge.className = "badge danger unread-badge";
      badge.textContent = data.unread > 99 ? "99+" : String(data.unread);
      link.append(" ", badge);
    })
    .catch(() => {});
}
