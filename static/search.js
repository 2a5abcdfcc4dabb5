// llmnotes search over the word index the build wrote to search-index/ (see llmnotes/search.py).
// Each part of the index is a script added on demand, not JSON fetched, so search works from file://
// too; a query loads the word lists for its terms and then only the documents it shows.
(function () {
  "use strict";
  var box = document.getElementById("q");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var more = document.getElementById("search-more");
  if (!box || !list) return;
  var root = list.getAttribute("data-root") || "";
  var base = list.getAttribute("data-index") || "search-index/";
  var onDisk = location.protocol === "file:";
  var KINDS = { note: "Note", resource: "Resource", topic: "Topic" };
  var WHERE = ["title", "summary", "text"];
  var WEIGHT = [100, 10, 1];
  var PAGE = 20;
  var WORD = /[\p{L}\p{N}_]+/gu, WORD_CHAR = /[\p{L}\p{N}_]/u;

  // -- loading parts of the index ----------------------------------------------------------------
  var parts = {}, loading = {};
  window.LLMNOTES_SEARCH = { add: function (name, data) { parts[name] = data; } };
  function load(name) {
    if (!loading[name]) {
      loading[name] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = base + name + ".js";
        script.onload = function () { name in parts ? resolve(parts[name]) : reject(new Error(script.src)); };
        script.onerror = function () { reject(new Error(script.src)); };
        document.head.appendChild(script);
      });
    }
    return loading[name];
  }

  var stop = null; // the index's stop words as a set, made on first use
  function terms(query, meta) {
    if (!stop) { stop = {}; meta.stop.forEach(function (w) { stop[w] = true; }); }
    var seen = {};
    return (query.toLowerCase().match(WORD) || []).filter(function (t) {
      if (stop[t] || seen[t]) return false;
      return (seen[t] = true);
    });
  }

  // The shards that can hold words starting with `term`; a one-letter term matches whole words only.
  function shardsFor(term, meta) {
    return meta.keys.filter(function (key) {
      if (term.length === 1) return key === term;
      return key.indexOf(term) === 0 || (key.length >= 2 && term.indexOf(key) === 0);
    });
  }

  // A shard's file name, as llmnotes.search.file_name writes it.
  function fileName(key) {
    if (/^[a-z0-9]+$/.test(key)) return key;
    return "_" + Array.prototype.map.call(new TextEncoder().encode(key), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // For one term: the best field (0 title, 1 summary, 2 text; 3 none) of every document.
  function bestFields(term, shards, count) {
    var best = new Uint8Array(count).fill(3);
    shards.forEach(function (words) {
      Object.keys(words).forEach(function (word) {
        if (term.length === 1 ? word !== term : word.indexOf(term) !== 0) return;
        words[word].forEach(function (deltas, field) {
          var id = 0;
          for (var i = 0; i < deltas.length; i++) {
            id += deltas[i];
            if (field < best[id]) best[id] = field;
          }
        });
      });
    });
    return best;
  }

  // Every document matching all terms, best first: title matches outrank summaries, then text;
  // ties keep id order, which the build made shortest title first, then alphabetical.
  function rank(query) {
    return load("index").then(function (meta) {
      var wanted = terms(query, meta);
      if (!wanted.length) return { terms: [], hits: [] };
      return Promise.all(wanted.map(function (term) {
        return Promise.all(shardsFor(term, meta).map(function (key) { return load("w/" + fileName(key)); }));
      })).then(function (shardsPerTerm) {
        var fields = wanted.map(function (term, i) { return bestFields(term, shardsPerTerm[i], meta.docs); });
        var hits = [];
        for (var id = 0; id < meta.docs; id++) {
          var score = 0;
          for (var j = 0; j < fields.length; j++) {
            var f = fields[j][id];
            if (f === 3) { score = -1; break; }
            score += WEIGHT[f];
          }
          if (score >= 0) hits.push({ id: id, score: score, where: fields[0][id] });
        }
        hits.sort(function (a, b) { return b.score - a.score || a.id - b.id; });
        return { terms: wanted, hits: hits };
      });
    });
  }

  // -- showing results ---------------------------------------------------------------------------
  function href(path) {
    return root + path + (onDisk && (path === "" || path.slice(-1) === "/") ? "index.html" : "");
  }

  function escape(text) {
    return text.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  // Where a term starts a word in `text`, or -1.
  function wordStart(lower, term) {
    for (var at = lower.indexOf(term); at >= 0; at = lower.indexOf(term, at + 1)) {
      if (at === 0 || !WORD_CHAR.test(lower.charAt(at - 1))) return at;
    }
    return -1;
  }

  function snippet(doc, where, wanted) {
    var field = where === 0 ? (doc.s || doc.x || "") : where === 1 ? doc.s : doc.x;
    var lower = field.toLowerCase(), at = -1, term = "";
    for (var i = 0; i < wanted.length && at < 0; i++) { term = wanted[i]; at = wordStart(lower, term); }
    if (at < 0) return escape(field.slice(0, 160)) + (field.length > 160 ? "…" : "");
    var start = Math.max(0, at - 70), end = Math.min(field.length, at + term.length + 90);
    return (start ? "…" : "") + escape(field.slice(start, at)) + "<mark>" + escape(field.slice(at, at + term.length)) +
      "</mark>" + escape(field.slice(at + term.length, end)) + (end < field.length ? "…" : "");
  }

  function item(index, hit, doc, wanted) {
    return '<li id="result-' + index + '"><a href="' + escape(href(doc.u)) + '">' + escape(doc.t) + '</a> <span class="where">' +
      KINDS[doc.k] + " · matched in " + WHERE[hit.where] + "</span><p>" + snippet(doc, hit.where, wanted) + "</p></li>";
  }

  var active = -1, shown = 0, current = null, generation = 0;

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
    if (index !== 0 || active !== 0) status.textContent = (active + 1) + " of " + current.hits.length + ": " + items[active].querySelector("a").textContent;
  }

  function count(n) { return n + (n === 1 ? " result" : " results"); }

  // The next page of results as HTML; the exact title goes first among those on the first page.
  function nextPage(result, from, query) {
    var page = result.hits.slice(from, from + PAGE);
    return Promise.all(page.map(function (hit) { return load("d/" + hit.id); })).then(function (docs) {
      var rows = page.map(function (hit, i) { return { hit: hit, doc: docs[i] }; });
      if (!from) {
        var exact = query.trim().toLowerCase();
        rows.sort(function (a, b) { return (b.doc.t.toLowerCase() === exact) - (a.doc.t.toLowerCase() === exact); });
      }
      return { count: rows.length, html: rows.map(function (row, i) { return item(from + i, row.hit, row.doc, result.terms); }).join("") };
    });
  }

  function report() {
    var total = current.hits.length;
    status.textContent = count(total) + (total > shown ? " (showing " + shown + ")" : "");
    if (more) more.hidden = shown >= total;
  }

  // Results replace the old ones only once they are ready, so the list never flickers empty.
  function show(query) {
    var mine = ++generation;
    rank(query).then(function (result) {
      if (mine !== generation) return;
      if (!result.terms.length) return { result: result, page: { count: 0, html: "" } };
      return nextPage(result, 0, query).then(function (page) { return { result: result, page: page }; });
    }).then(function (ready) {
      if (!ready || mine !== generation) return;
      current = ready.result; shown = ready.page.count; active = -1;
      list.innerHTML = ready.page.html;
      if (more) more.hidden = true;
      if (!query.trim()) status.textContent = "Type to search.";
      else if (!current.terms.length) status.textContent = "Only very common words: add another word.";
      else { report(); if (shown) select(0); }
    }).catch(function (error) {
      if (mine === generation) status.textContent = "The search index could not be loaded (" + error.message + ").";
    });
  }

  if (more) {
    more.addEventListener("click", function () {
      var mine = generation, first = shown;
      nextPage(current, first, box.value).then(function (page) {
        if (mine !== generation) return;
        list.insertAdjacentHTML("beforeend", page.html);
        shown += page.count;
        report();
        select(first);
        list.querySelectorAll("li a")[active].focus();
      });
    });
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
