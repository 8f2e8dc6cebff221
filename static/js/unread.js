// The header's unread count, fetched after the page has loaded so that no page
// pays a database query for it. Without JavaScript the link is still there.
const badge = document.querySelector("[data-unread-url]");
if (badge) {
  fetch(badge.dataset.unreadUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((data) => {
      if (!data || !data.unread) return;
      badge.textContent = data.unread > 99 ? "99+" : String(data.unread);
      badge.hidden = false;
    })
    .catch(() => {});
}
