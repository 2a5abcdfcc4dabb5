// llmnotes serve: reload the page after a rebuild, swap stylesheets in place, show build errors.
// Injected by `llmnotes serve` only; never part of a published site.
(() => {
  "use strict";
  const OVERLAY_ID = "llmnotes-errors";

  const hideErrors = () => document.getElementById(OVERLAY_ID)?.remove();

  const showErrors = (errors) => {
    hideErrors();
    const box = document.createElement("div");
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    Object.assign(box.style, {
      position: "fixed", inset: "auto 1rem 1rem 1rem", zIndex: "2147483647", maxHeight: "50vh", overflow: "auto",
      background: "#2b0b0e", color: "#ffd7d9", font: "14px/1.45 ui-monospace, monospace", padding: "1rem",
      borderRadius: "6px", boxShadow: "0 4px 24px rgb(0 0 0 / 0.4)", whiteSpace: "pre-wrap",
    });
    const title = document.createElement("strong");
    title.textContent = `The notes have ${errors.length} error${errors.length === 1 ? "" : "s"}; showing the last good build.`;
    const list = document.createElement("ul");
    list.style.margin = "0.5rem 0 0";
    for (const error of errors) {
      const item = document.createElement("li");
      item.textContent = error;
      list.append(item);
    }
    box.append(title, list);
    document.body.append(box);
  };

  const swapStylesheets = (version) => {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href);
      url.searchParams.set("llmnotes-v", version);
      link.href = url.href;
    }
  };

  // The page's path tells the server which page to render first after an edit.
  const events = new EventSource(`/__llmnotes/events?page=${encodeURIComponent(location.pathname)}`);
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("css", (event) => {
    hideErrors();
    swapStylesheets(JSON.parse(event.data).version);
  });
  events.addEventListener("errors", (event) => showErrors(JSON.parse(event.data)));
})();
