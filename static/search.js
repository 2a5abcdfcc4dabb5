// llmnotes search: a full-text search over the index the build wrote to search-index.js.
// The index is a script, not JSON fetched at run time, so search works from file:// too.
(function () {
  "use strict";
  var docs = window.LLMNOTES_SEARCH || [];
  var box = document.getElementById("q");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!box || !list) return;
  var root = list.getAttribute("data-root") || "";
  var onDisk = location.protocol === "file:";
  var KINDS = { note: "Note", resource: "Resource", topic: "Topic" };
  var WHERE = { t: "title", s: "summary", x: "text" };
  var active = -1;
  var prepared = docs.map(function (d) {
    return { d: d, t: (d.t || "").toLowerCase(), s: (d.s || "").toLowerCase(), x: (d.x || "").toLowerCase() };
  });

  function href(path) {
    return root + path + (onDisk && (path === "" || path.slice(-1) === "/") ? "index.html" : "");
  }

  function escape(text) {
    return text.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  function search(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) return [];
    var found = [];
    for (var i = 0; i < prepared.length; i++) {
      var p = prepared[i], score = 0, where = null, ok = true;
      for (var j = 0; j < terms.length && ok; j++) {
        var term = terms[j];
        if (p.t.indexOf(term) >= 0) { score += 100; where = where || "t"; }
        else if (p.s.indexOf(term) >= 0) { score += 10; where = where || "s"; }
        else if (p.x.indexOf(term) >= 0) { score += 1; where = where || "x"; }
        else ok = false;
      }
      if (ok) found.push({ p: p, score: score + (p.t === query.toLowerCase() ? 1000 : 0), where: where, terms: terms });
    }
    found.sort(function (a, b) { return b.score - a.score || a.p.d.t.localeCompare(b.p.d.t); });
    return found.slice(0, 50);
  }

  function snippet(hit) {
    var field = hit.where === "t" ? (hit.p.d.s || hit.p.d.x || "") : hit.where === "s" ? hit.p.d.s : hit.p.d.x;
    var lower = field.toLowerCase(), at = -1, term = "";
    for (var i = 0; i < hit.terms.length && at < 0; i++) { term = hit.terms[i]; at = lower.indexOf(term); }
    if (at < 0) return escape(field.slice(0, 160));
    var start = Math.max(0, at - 70), end = Math.min(field.length, at + term.length + 90);
    return (start ? "…" : "") + escape(field.slice(start, at)) + "<mark>" + escape(field.slice(at, at + term.length)) +
      "</mark>" + escape(field.slice(at + term.length, end)) + (end < field.length ? "…" : "");
  }

  function select(index) {
    var items = list.querySelectorAll("li");
    if (!items.length) { active = -1; return; }
    active = Math.max(0, Math.min(index, items.length - 1));
    for (var i = 0; i < items.length; i++) {
      var on = i === active;
      items[i].classList.toggle("active", on);
      var a = items[i].querySelector("a");
      if (on) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
    }
    items[active].scrollIntoView({ block: "nearest" });
    if (index !== 0 || active !== 0) status.textContent = (active + 1) + " of " + items.length + ": " + items[active].querySelector("a").textContent;
  }

  function show(query) {
    var hits = search(query);
    list.innerHTML = hits.map(function (hit, i) {
      var d = hit.p.d;
      return '<li id="result-' + i + '"><a href="' + escape(href(d.u)) + '">' + escape(d.t) +
        '</a> <span class="where">' + KINDS[d.k] + " · matched in " + WHERE[hit.where] + "</span><p>" + snippet(hit) + "</p></li>";
    }).join("");
    status.textContent = query.trim() ? hits.length + (hits.length === 1 ? " result" : " results") + (hits.length === 50 ? " (first 50)" : "") : "Type to search.";
    active = -1;
    if (hits.length) select(0);
  }

  box.addEventListener("input", function () {
    show(box.value);
    try { history.replaceState(null, "", "?q=" + encodeURIComponent(box.value)); } catch (e) { /* file:// may refuse */ }
  });
  box.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); select(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); select(active - 1); }
    else if (event.key === "Enter") {
      var link = active >= 0 && list.querySelectorAll("li a")[active];
      event.preventDefault();
      if (link) location.href = link.href;
    }
  });
  var initial = new URLSearchParams(location.search).get("q") || "";
  box.value = initial;
  show(initial);
  box.focus();
})();
