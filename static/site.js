// llmnotes: the theme toggle, and "/" to search. Everything works without this file.
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "llmnotes-theme";

  function current() {
    if (root.dataset.theme) return root.dataset.theme;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function label(button) {
    var next = current() === "dark" ? "light" : "dark";
    button.textContent = next === "dark" ? "Dark" : "Light";
    button.setAttribute("aria-label", "Switch to the " + next + " theme");
  }

  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    toggle.removeAttribute("data-pending");
    label(toggle);
    toggle.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: this page only */ }
      label(toggle);
    });
  }

  // Hover previews of internal links, for mice only: keyboard and touch use are left exactly as they are.
  if (window.matchMedia && window.matchMedia("(hover: hover) and (pointer: fine)").matches) {
    var card = null;
    document.addEventListener("pointerover", function (event) {
      var link = event.target.closest && event.target.closest("a[data-preview]");
      if (!link || event.pointerType !== "mouse") return;
      if (!card) {
        card = document.createElement("div");
        card.className = "preview-card";
        card.setAttribute("role", "tooltip");
        document.body.appendChild(card);
      }
      card.innerHTML = "";
      var title = document.createElement("strong");
      title.textContent = link.getAttribute("data-preview");
      var summary = document.createElement("span");
      summary.textContent = link.getAttribute("data-summary") || "";
      card.appendChild(title);
      card.appendChild(summary);
      var box = link.getBoundingClientRect();
      card.style.left = Math.max(8, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - card.offsetWidth - 8)) + "px";
      card.style.top = box.bottom + window.scrollY + 6 + "px";
      card.hidden = false;
    });
    document.addEventListener("pointerout", function (event) {
      if (card && event.target.closest && event.target.closest("a[data-preview]")) card.hidden = true;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var box = document.querySelector(".search-box") || document.getElementById("site-search-q");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();
