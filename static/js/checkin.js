// The check-in button works as a plain form. With JavaScript, and when the officer
// allows it, the browser's location and its accuracy go with it; a refusal, an
// error or a slow fix (8 s) submits without it: location is never required.
// Offline, the tap is kept on the phone (static/js/offline.js sends it later).
(() => {
  const QUEUE = "giliran-checkins";

  function queueCheckin(form) {
    let list = [];
    try {
      list = JSON.parse(localStorage.getItem(QUEUE)) || [];
    } catch (error) {
      list = [];
    }
    const fields = Object.fromEntries(new FormData(form));
    list.push({ action: form.getAttribute("action") || location.pathname, fields, made: Date.now(), key: crypto.randomUUID() });
    localStorage.setItem(QUEUE, JSON.stringify(list));
    const note = form.querySelector("[data-queued-note]");
    note.textContent = form.dataset.queuedText;
    note.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
  }

  for (const form of document.querySelectorAll("form[data-checkin]")) {
    let located = false;
    form.addEventListener("submit", (event) => {
      if (!navigator.onLine && window.crypto && crypto.randomUUID) {
        event.preventDefault();
        queueCheckin(form);
        return;
      }
      if (located || !navigator.geolocation) return;
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      const send = () => { located = true; button.disabled = false; form.requestSubmit(button); };
      navigator.geolocation.getCurrentPosition(
        (position) => {
          form.elements.latitude.value = position.coords.latitude.toFixed(6);
          form.elements.longitude.value = position.coords.longitude.toFixed(6);
          form.elements.accuracy_m.value = Math.round(position.coords.accuracy);
          send();
        },
        send,
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 },
      );
    });
  }
})();
