// "Copy as text": fetch the night's plain-text summary and put it on the clipboard.
// Without JavaScript (or clipboard access) the link simply opens the text.
document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-copy]");
  if (!link || !navigator.clipboard) return;
  event.preventDefault();
  try {
    const response = await fetch(link.href, { credentials: "same-origin" });
    if (!response.ok) throw new Error(response.statusText);
    await navigator.clipboard.writeText(await response.text());
    const label = link.textContent;
    link.textContent = link.dataset.done || "✓";
    setTimeout(() => { link.textContent = label; }, 2000);
  } catch (error) {
    window.location.href = link.href;
  }
});

// The print button only makes sense with JavaScript (the browser menu works without).
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
