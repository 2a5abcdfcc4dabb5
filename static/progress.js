// llmnotes: the reader's own progress along the reading paths, kept in this browser (localStorage,
// one key per note slug, so it works from file:// too). Without storage the controls stay hidden.
(() => {
  "use strict";
  const PREFIX = "llmnotes-read:";
  const store = (() => {
    try {
      const probe = `${PREFIX}probe`;
      localStorage.setItem(probe, "1");
      localStorage.removeItem(probe);
      return localStorage;
    } catch {
      return null; // storage blocked: nothing to remember progress in, so nothing is offered
    }
  })();
  if (!store) return;
  const isRead = (slug) => store.getItem(PREFIX + slug) === "1";

  for (const button of document.querySelectorAll(".mark-read[data-note]")) {
    const show = () => {
      const read = isRead(button.dataset.note);
      button.setAttribute("aria-pressed", String(read)); // the label stays "Mark as read": a toggle button
    };
    button.addEventListener("click", () => {
      try {
        if (isRead(button.dataset.note)) store.removeItem(PREFIX + button.dataset.note);
        else store.setItem(PREFIX + button.dataset.note, "1");
      } catch {
        return;
      }
      show();
    });
    show();
    delete button.dataset.pending;
  }

  for (const bar of document.querySelectorAll(".path-progress")) {
    const list = bar.nextElementSibling;
    if (!list || !list.matches(".reading-path")) continue;
    const items = [...list.querySelectorAll("li[data-note]")];
    let done = 0;
    for (const li of items) {
      const read = isRead(li.dataset.note);
      li.classList.toggle("is-read", read);
      if (read) done++;
    }
    const progress = bar.querySelector("progress"), text = bar.querySelector(".path-progress-text");
    progress.value = done;
    progress.textContent = `${done} of ${items.length}`;
    text.textContent = `${done} of ${items.length} read`;
    delete bar.dataset.pending;
  }
})();
