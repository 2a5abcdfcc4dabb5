// llmnotes: the theme toggle, and "/" to search. Everything works without this file.
(() => {
  "use strict";
  const root = document.documentElement;
  const KEY = "llmnotes-theme";

  const current = () => root.dataset.theme || (window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  const other = () => (current() === "dark" ? "light" : "dark");

  const label = (button) => {
    const next = other();
    button.textContent = next === "dark" ? "Dark" : "Light";
    button.setAttribute("aria-label", `Switch to the ${next} theme`);
  };

  const toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    toggle.removeAttribute("data-pending");
    label(toggle);
    toggle.addEventListener("click", () => {
      const next = other();
      root.dataset.theme = next;
      try { localStorage.setItem(KEY, next); } catch { /* private mode: this page only */ }
      label(toggle);
    });
  }

  // Hover previews of internal links, for mice only: keyboard and touch use are left exactly as they are.
  if (window.matchMedia?.("(hover: hover) and (pointer: fine)").matches) {
    let card = null;
    document.addEventListener("pointerover", (event) => {
      const link = event.target.closest?.("a[data-preview]");
      if (!link || event.pointerType !== "mouse") return;
      if (!card) {
        card = document.createElement("div");
        card.className = "preview-card";
        card.setAttribute("role", "tooltip");
        document.body.append(card);
      }
      const title = document.createElement("strong");
      title.textContent = link.dataset.preview;
      const summary = document.createElement("span");
      summary.textContent = link.dataset.summary || "";
      card.replaceChildren(title, summary);
      const box = link.getBoundingClientRect();
      const right = window.scrollX + root.clientWidth - card.offsetWidth - 8;
      card.style.left = `${Math.max(8, Math.min(box.left + window.scrollX, right))}px`;
      card.style.top = `${box.bottom + window.scrollY + 6}px`;
      card.hidden = false;
    });
    document.addEventListener("pointerout", (event) => {
      if (card && event.target.closest?.("a[data-preview]")) card.hidden = true;
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    const box = document.querySelector(".search-box") || document.getElementById("site-search-q");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();
