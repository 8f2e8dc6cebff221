// Filter the officer list as the duty officer types a name or NRP. Without
// JavaScript the Search button asks the server for the same filter.
for (const input of document.querySelectorAll("input[data-filter]")) {
  const list = document.querySelector(input.dataset.filter);
  if (!list) continue;
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
    for (const item of list.querySelectorAll("li[data-search]")) {
      const text = item.dataset.search;
      // A checked officer stays visible so a choice is never hidden by a new search.
      const checked = item.querySelector("input:checked");
      item.hidden = !checked && !words.every((word) => text.includes(word));
    }
  });
}
