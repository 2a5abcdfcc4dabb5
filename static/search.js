// llmnotes search over the word index the build wrote to search-index/ (see llmnotes/search.py).
// Each part of the index is a script added on demand, not JSON fetched, so search works from file://
// too; a query loads the word lists for its terms and then only the bundles of documents it shows.
(() => {
  "use strict";
  const box = document.getElementById("q");
  const list = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  const more = document.getElementById("search-more");
  if (!box || !list) return;
  const root = list.dataset.root || "";
  const base = list.dataset.index || "search-index/";
  const onDisk = location.protocol === "file:";
  const KINDS = { note: "Note", resource: "Resource", topic: "Topic" };
  const WHERE = ["title", "summary", "text"];
  const WEIGHT = [100, 10, 1];
  const NONE = WHERE.length; // a document's best field for a term it does not contain
  const PAGE = 20;
  const WORD = /[\p{L}\p{N}_]+/gu, WORD_CHAR = /[\p{L}\p{N}_]/u;

  // -- loading parts of the index ----------------------------------------------------------------
  const parts = new Map(), loading = new Map();
  window.LLMNOTES_SEARCH = { add: (name, data) => { parts.set(name, data); } };
  const load = (name) => {
    if (!loading.has(name)) {
      loading.set(name, new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = `${base}${name}.js`;
        script.onload = () => (parts.has(name) ? resolve(parts.get(name)) : reject(new Error(script.src)));
        script.onerror = () => reject(new Error(script.src));
        document.head.append(script);
      }));
    }
    return loading.get(name);
  };

  // Documents come in bundles (llmnotes.search): `d/` what a result shows, `x/` the texts, as
  // base64 of raw-DEFLATE JSON; each bundle is loaded and inflated once.
  const inflate = async (text) => {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return JSON.parse(await new Response(stream).text());
  };
  const texts = new Map();
  const headOf = async (id, meta) => (await load(`d/${Math.floor(id / meta.heads)}`))[id % meta.heads];
  const textOf = async (id, meta) => {
    const n = Math.floor(id / meta.texts);
    if (!texts.has(n)) texts.set(n, load(`x/${n}`).then(inflate));
    return (await texts.get(n))[id % meta.texts];
  };
  // A result's document, with its text only when its snippet comes from the text (see `snippet`).
  const documentOf = async (hit, meta) => {
    const head = await headOf(hit.id, meta);
    const needsText = hit.where === 2 || (hit.where === 0 && !head.s);
    return needsText ? { ...head, x: await textOf(hit.id, meta) } : head;
  };

  let stop = null; // the index's stop words, made on first use
  const terms = (query, meta) => {
    stop ??= new Set(meta.stop);
    const seen = new Set();
    return (query.toLowerCase().match(WORD) || []).filter((t) => {
      if (stop.has(t) || seen.has(t)) return false;
      seen.add(t);
      return true;
    });
  };

  // The shards that can hold words starting with `term`; a one-letter term matches whole words only.
  const shardsFor = (term, meta) => meta.keys.filter((key) =>
    term.length === 1 ? key === term : key.startsWith(term) || (key.length >= 2 && term.startsWith(key)));

  // A shard's file name, as llmnotes.search.file_name writes it.
  const fileName = (key) => {
    if (/^[a-z0-9]+$/.test(key)) return key;
    return `_${Array.from(new TextEncoder().encode(key), (b) => b.toString(16).padStart(2, "0")).join("")}`;
  };

  // For one term: the best field (0 title, 1 summary, 2 text; NONE) of every document.
  const bestFields = (term, shards, count) => {
    const best = new Uint8Array(count).fill(NONE);
    for (const words of shards) {
      for (const [word, fields] of Object.entries(words)) {
        if (term.length === 1 ? word !== term : !word.startsWith(term)) continue;
        fields.forEach((deltas, field) => {
          let id = 0;
          for (const delta of deltas) {
            id += delta;
            if (field < best[id]) best[id] = field;
          }
        });
      }
    }
    return best;
  };

  // Every document matching all terms, best first: title matches outrank summaries, then text;
  // ties keep id order, which the build made shortest title first, then alphabetical.
  const rank = async (query) => {
    const meta = await load("index");
    const wanted = terms(query, meta);
    if (!wanted.length) return { terms: [], hits: [] };
    const shardsPerTerm = await Promise.all(wanted.map((term) =>
      Promise.all(shardsFor(term, meta).map((key) => load(`w/${fileName(key)}`)))));
    const fields = wanted.map((term, i) => bestFields(term, shardsPerTerm[i], meta.docs));
    const hits = [];
    for (let id = 0; id < meta.docs; id++) {
      let score = 0;
      for (const best of fields) {
        if (best[id] === NONE) { score = -1; break; }
        score += WEIGHT[best[id]];
      }
      if (score >= 0) hits.push({ id, score, where: fields[0][id] });
    }
    hits.sort((a, b) => b.score - a.score || a.id - b.id);
    return { terms: wanted, hits };
  };

  // -- showing results ---------------------------------------------------------------------------
  const href = (path) => root + path + (onDisk && (path === "" || path.endsWith("/")) ? "index.html" : "");

  const element = (tag, text, attributes = {}) => {
    const el = document.createElement(tag);
    if (text) el.textContent = text;
    for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
    return el;
  };

  // Where a term starts a word in `lower`, or -1.
  const wordStart = (lower, term) => {
    for (let at = lower.indexOf(term); at >= 0; at = lower.indexOf(term, at + 1)) {
      if (at === 0 || !WORD_CHAR.test(lower.charAt(at - 1))) return at;
    }
    return -1;
  };

  // The text around the first term found in the field that matched, with that term marked.
  const snippet = (doc, where, wanted) => {
    const field = where === 0 ? (doc.s || doc.x || "") : where === 1 ? doc.s : doc.x;
    const lower = field.toLowerCase();
    let at = -1, term = "";
    for (const t of wanted) {
      term = t;
      at = wordStart(lower, term);
      if (at >= 0) break;
    }
    const p = document.createElement("p");
    if (at < 0) {
      p.append(field.slice(0, 160) + (field.length > 160 ? "…" : ""));
      return p;
    }
    const start = Math.max(0, at - 70), end = Math.min(field.length, at + term.length + 90);
    p.append(
      (start ? "…" : "") + field.slice(start, at),
      element("mark", field.slice(at, at + term.length)),
      field.slice(at + term.length, end) + (end < field.length ? "…" : ""),
    );
    return p;
  };

  const item = (index, hit, doc, wanted) => {
    const li = element("li", "", { id: `result-${index}` });
    li.append(
      element("a", doc.t, { href: href(doc.u) }),
      " ",
      element("span", `${KINDS[doc.k]} · matched in ${WHERE[hit.where]}`, { class: "where" }),
      snippet(doc, hit.where, wanted),
    );
    return li;
  };

  let active = -1, shown = 0, current = null, generation = 0;

  const select = (index) => {
    const items = list.querySelectorAll("li");
    if (!items.length) { active = -1; return; }
    active = Math.max(0, Math.min(index, items.length - 1));
    items.forEach((li, i) => {
      const on = i === active;
      li.classList.toggle("active", on);
      const a = li.querySelector("a");
      if (on) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
    items[active].scrollIntoView({ block: "nearest" });
    if (index !== 0 || active !== 0) {
      status.textContent = `${active + 1} of ${current.hits.length}: ${items[active].querySelector("a").textContent}`;
    }
  };

  const count = (n) => `${n} ${n === 1 ? "result" : "results"}`;

  // The next page of results as list items; the exact title goes first among those on the first page.
  const nextPage = async (result, from, query) => {
    const page = result.hits.slice(from, from + PAGE);
    const meta = await load("index");
    const docs = await Promise.all(page.map((hit) => documentOf(hit, meta)));
    const rows = page.map((hit, i) => ({ hit, doc: docs[i] }));
    if (!from) {
      const exact = query.trim().toLowerCase();
      rows.sort((a, b) => (b.doc.t.toLowerCase() === exact) - (a.doc.t.toLowerCase() === exact));
    }
    return rows.map((row, i) => item(from + i, row.hit, row.doc, result.terms));
  };

  const report = () => {
    const total = current.hits.length;
    status.textContent = count(total) + (total > shown ? ` (showing ${shown})` : "");
    if (more) more.hidden = shown >= total;
  };

  // Results replace the old ones only once they are ready, so the list never flickers empty.
  const show = async (query) => {
    const mine = ++generation;
    try {
      const result = await rank(query);
      if (mine !== generation) return;
      const items = result.terms.length ? await nextPage(result, 0, query) : [];
      if (mine !== generation) return;
      current = result;
      shown = items.length;
      active = -1;
      list.replaceChildren(...items);
      if (more) more.hidden = true;
      if (!query.trim()) status.textContent = "Type to search.";
      else if (!current.terms.length) status.textContent = "Only very common words: add another word.";
      else {
        report();
        if (shown) select(0);
      }
    } catch (error) {
      if (mine === generation) status.textContent = `The search index could not be loaded (${error.message}).`;
    }
  };

  more?.addEventListener("click", async () => {
    const mine = generation, first = shown;
    const items = await nextPage(current, first, box.value);
    if (mine !== generation) return;
    list.append(...items);
    shown += items.length;
    report();
    select(first);
    list.querySelectorAll("li a")[active].focus();
  });
  box.addEventListener("input", () => {
    show(box.value);
    try { history.replaceState(null, "", `?q=${encodeURIComponent(box.value)}`); } catch { /* file:// may refuse */ }
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") { event.preventDefault(); select(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); select(active - 1); }
    else if (event.key === "Enter") {
      const link = active >= 0 && list.querySelectorAll("li a")[active];
      event.preventDefault();
      if (link) location.href = link.href;
    }
  });
  const initial = new URLSearchParams(location.search).get("q") || "";
  box.value = initial;
  show(initial);
  box.focus();
})();
