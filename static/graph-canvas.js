// llmnotes graph view for large sites: the whole graph on a canvas, with level of detail.
// An SVG element per node stops being responsive at a few thousand nodes (benchmarks/RESULTS.md),
// so past graphview.CANVAS_FROM the build writes graph/data.js and this file draws it: nodes and
// edges culled to the view, resources and labels only once zoomed in far enough to read them,
// edges left out while a pan or zoom is under way and a dense view is redrawn when it settles, and
// the hover highlight painted over a cached picture of the rest. Without script, the page keeps
// its SVG overview of topics and notes.
//
// The frame says what it shows, for styles, assistive technology and tests alike:
//   data-view="s x y"   the view: a point (X, Y) of graph/data.js is drawn at (X * s + x, Y * s + y),
//                       in CSS pixels from the canvas's top left corner;
//   data-hovered        the highlighted node as "kind:id" (absent when none), also read out by a
//                       live region as its title;
//   data-drawn          how many nodes and edges the last full picture holds.
(() => {
  "use strict";
  const frame = document.querySelector(".graph-large");
  const data = window.LLMNOTES_GRAPH;
  if (!frame || !data) return;

  const TOPIC = 0, NOTE = 1, RESOURCE = 2;
  const RADIUS = data.r; // per kind, as graphview.py draws them in SVG
  const MIN_RADIUS = [3, 1.5, 1];
  const EDGES_WHILE_MOVING = 20000; // more visible edges than this are left out until the view settles
  const LABELS = 300; // at most this many labels of one kind
  const root = frame.dataset.root || "";
  const onDisk = location.protocol === "file:";

  // -- data: columns, adjacency, a grid for finding the node under the pointer -----------------------
  const n = data.k.length;
  const K = Uint8Array.from(data.k), X = Float64Array.from(data.x), Y = Float64Array.from(data.y);
  const E = Int32Array.from(data.e);
  const degree = new Int32Array(n + 1); // node j's neighbours are near[degree[j]] to near[degree[j + 1] - 1]
  for (const j of E) degree[j + 1]++;
  for (let j = 0; j < n; j++) degree[j + 1] += degree[j];
  const fill = degree.slice(0, n), near = new Int32Array(E.length);
  for (let e = 0; e < E.length; e += 2) {
    near[fill[E[e]]++] = E[e + 1];
    near[fill[E[e + 1]]++] = E[e];
  }
  const largest = (values) => values.reduce((a, b) => Math.max(a, b), 0);
  const width = largest(X) + 40, height = largest(Y) + 40;

  const CELL = 40, cols = Math.ceil(width / CELL) + 1, rows = Math.ceil(height / CELL) + 1;
  const cellStart = new Int32Array(cols * rows + 1), cellItems = new Int32Array(n);
  const cellOf = (j) => Math.floor(Y[j] / CELL) * cols + Math.floor(X[j] / CELL);
  for (let j = 0; j < n; j++) cellStart[cellOf(j) + 1]++;
  for (let c = 0; c < cols * rows; c++) cellStart[c + 1] += cellStart[c];
  const cellFill = cellStart.slice(0, cols * rows);
  for (let j = 0; j < n; j++) cellItems[cellFill[cellOf(j)]++] = j;

  const kindOf = (j) => data.kinds[K[j]];
  const href = (j) => root + encodeURI(data.paths[kindOf(j)].replace("{}", data.id[j])) + (onDisk ? "index.html" : "");

  // -- the canvas replaces the overview --------------------------------------------------------------
  const canvas = document.createElement("canvas");
  canvas.className = "graph-canvas";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `The graph of ${n} topics, notes and resources`);
  frame.querySelector("svg")?.remove();
  const tip = document.createElement("div");
  tip.className = "graph-tip";
  tip.hidden = true;
  const spoken = document.createElement("p");
  spoken.className = "visually-hidden";
  spoken.setAttribute("role", "status");
  frame.append(canvas, tip, spoken);
  const ctx = canvas.getContext("2d");
  const base = document.createElement("canvas"), baseCtx = base.getContext("2d");

  let W = 0, H = 0, dpr = 1;
  const view = { s: 1, x: 0, y: 0 }; // screen = world * s + (x, y), in CSS pixels
  let hovered = -1, moving = false, settle = 0, frameRequested = false, baseStale = true;
  let colours = null;

  const readColours = () => {
    const style = getComputedStyle(document.documentElement);
    const v = (name) => style.getPropertyValue(name).trim();
    colours = { bg: v("--bg"), fg: v("--fg"), line: v("--line"), muted: v("--muted"), accent: v("--accent"), kind: [v("--warn"), v("--accent"), v("--muted")] };
  };

  // Topic labels are always drawn, in screen pixels right of their node: the fitted view leaves them room.
  const topicLabels = (() => {
    const c = document.createElement("canvas").getContext("2d");
    if (!c) return [];
    c.font = "600 12px system-ui, sans-serif";
    const out = [];
    for (let j = 0; j < n; j++) {
      if (K[j] !== TOPIC) continue;
      const text = data.t[j].length > 40 ? `${data.t[j].slice(0, 39)}…` : data.t[j];
      out.push([X[j], c.measureText(text).width + RADIUS[TOPIC] * 2 + 3 + 4]);
    }
    return out;
  })();

  const fit = () => {
    let s = Math.min(W / width, H / height);
    for (const [x, room] of topicLabels) if (x > 0 && x * s + room > W) s = Math.max((W - room) / x, 0.01);
    let left = (W - width * s) / 2;
    for (const [x, room] of topicLabels) left = Math.min(left, W - room - x * s);
    view.s = s;
    view.x = Math.max(0, left);
    view.y = (H - height * s) / 2;
  };

  const resize = () => {
    const box = frame.getBoundingClientRect();
    const fresh = !W;
    W = Math.max(1, Math.round(box.width));
    H = Math.max(1, Math.round(box.height));
    dpr = window.devicePixelRatio || 1;
    for (const c of [canvas, base]) {
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
    }
    canvas.style.width = `${W}px`;
    canvas.style.height = `${H}px`;
    if (fresh) fit();
    redraw();
  };

  const radius = (k) => Math.max(MIN_RADIUS[k], Math.min(RADIUS[k] * view.s, RADIUS[k] * 2));
  const sx = (j) => X[j] * view.s + view.x;
  const sy = (j) => Y[j] * view.s + view.y;
  const onScreen = (j, pad) => {
    const x = sx(j), y = sy(j);
    return x > -pad && y > -pad && x < W + pad && y < H + pad;
  };
  const shown = (k) => k !== RESOURCE || RADIUS[RESOURCE] * view.s >= 0.75;

  const nodes = (c, list, k, r) => {
    c.fillStyle = colours.kind[k];
    c.beginPath();
    for (const j of list) {
      const x = sx(j), y = sy(j);
      if (r < 2) c.rect(x - r, y - r, 2 * r, 2 * r);
      else {
        c.moveTo(x + r, y);
        c.arc(x, y, r, 0, 2 * Math.PI);
      }
    }
    c.fill();
  };

  const label = (c, j, bold) => {
    const text = data.t[j].length > 40 ? `${data.t[j].slice(0, 39)}…` : data.t[j];
    const x = sx(j) + radius(K[j]) + 3, y = sy(j) + 4;
    c.font = `${bold ? "600 " : ""}12px system-ui, sans-serif`;
    c.lineWidth = 3;
    c.strokeStyle = colours.bg;
    c.strokeText(text, x, y);
    c.fillStyle = colours.fg;
    c.fillText(text, x, y);
  };

  // Everything but the highlight, into `base`.
  const drawBase = () => {
    const c = baseCtx;
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.fillStyle = colours.bg;
    c.fillRect(0, 0, W, H);
    const visible = [[], [], []];
    for (let j = 0; j < n; j++) if (shown(K[j]) && onScreen(j, 20)) visible[K[j]].push(j);
    const segments = [];
    for (let e = 0; e < E.length; e += 2) {
      const a = E[e], b = E[e + 1];
      if (!shown(K[a]) || !shown(K[b])) continue;
      const ax = sx(a), ay = sy(a), bx = sx(b), by = sy(b);
      if ((ax < 0 && bx < 0) || (ay < 0 && by < 0) || (ax > W && bx > W) || (ay > H && by > H)) continue;
      segments.push(ax, ay, bx, by);
    }
    const edges = segments.length / 4, skipEdges = moving && edges > EDGES_WHILE_MOVING;
    frame.dataset.drawn = `${visible[TOPIC].length + visible[NOTE].length + visible[RESOURCE].length} nodes, ${skipEdges ? 0 : edges} edges`;
    if (!skipEdges) {
      c.strokeStyle = colours.muted;
      c.globalAlpha = Math.max(0.03, Math.min(0.4, W * H / 1000 / Math.max(edges, 1))); // fainter as edges crowd the pixels
      c.lineWidth = 1;
      c.beginPath();
      for (let q = 0; q < segments.length; q += 4) {
        c.moveTo(segments[q], segments[q + 1]);
        c.lineTo(segments[q + 2], segments[q + 3]);
      }
      c.stroke();
      c.globalAlpha = 1;
    }
    for (let k = RESOURCE; k >= TOPIC; k--) if (visible[k].length) nodes(c, visible[k], k, radius(k));
    if (view.s >= 0.5 && visible[NOTE].length <= LABELS) for (const j of visible[NOTE]) label(c, j, false);
    if (view.s >= 1.5 && visible[RESOURCE].length <= LABELS) for (const j of visible[RESOURCE]) label(c, j, false);
    for (const j of visible[TOPIC]) label(c, j, true);
    baseStale = false;
  };

  // The cached picture, then the hovered node, its edges and its neighbours on top.
  const compose = () => {
    frameRequested = false;
    if (baseStale) drawBase();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(base, 0, 0);
    if (hovered < 0) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.globalAlpha = 0.7;
    ctx.fillStyle = colours.bg;
    ctx.fillRect(0, 0, W, H);
    ctx.globalAlpha = 1;
    const neighbours = near.subarray(degree[hovered], degree[hovered + 1]);
    ctx.strokeStyle = colours.accent;
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (const j of neighbours) {
      ctx.moveTo(sx(hovered), sy(hovered));
      ctx.lineTo(sx(j), sy(j));
    }
    ctx.stroke();
    const group = [[], [], []];
    for (const j of neighbours) group[K[j]].push(j);
    group[K[hovered]].push(hovered);
    for (let k = RESOURCE; k >= TOPIC; k--) if (group[k].length) nodes(ctx, group[k], k, Math.max(radius(k), 3));
    for (const list of group) for (const j of list) if (onScreen(j, 0)) label(ctx, j, j === hovered);
  };

  const request = () => {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(compose);
  };
  // The view or the colours changed: the whole picture is drawn again at the next frame.
  const redraw = () => {
    frame.dataset.view = `${Number(view.s.toPrecision(6))} ${view.x.toFixed(1)} ${view.y.toFixed(1)}`;
    baseStale = true;
    request();
  };

  // A pan or zoom in progress draws the cheap picture; the full one follows once it stops.
  const moved = () => {
    moving = true;
    clearTimeout(settle);
    settle = setTimeout(() => {
      moving = false;
      redraw();
    }, 150);
    redraw();
  };

  const zoom = (factor, cx, cy) => {
    const s = Math.max(Math.min(W / width, H / height) / 4, Math.min(8, view.s * factor));
    view.x = cx - (cx - view.x) * (s / view.s);
    view.y = cy - (cy - view.y) * (s / view.s);
    view.s = s;
    moved();
  };

  // The node under a point of the canvas, if any: the nearest within its drawn radius (or 6 px).
  const nodeAt = (px, py) => {
    const wx = (px - view.x) / view.s, wy = (py - view.y) / view.s;
    const reach = Math.max(6, RADIUS[TOPIC] * 2) / view.s;
    let best = -1, bestDistance = Infinity;
    const c0 = Math.max(0, Math.floor((wx - reach) / CELL)), c1 = Math.min(cols - 1, Math.floor((wx + reach) / CELL));
    const r0 = Math.max(0, Math.floor((wy - reach) / CELL)), r1 = Math.min(rows - 1, Math.floor((wy + reach) / CELL));
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        for (const j of cellItems.subarray(cellStart[r * cols + c], cellStart[r * cols + c + 1])) {
          if (!shown(K[j])) continue;
          const d = Math.hypot(sx(j) - px, sy(j) - py);
          if (d <= Math.max(radius(K[j]), 6) && d < bestDistance) {
            best = j;
            bestDistance = d;
          }
        }
      }
    }
    return best;
  };

  const hover = (j, px, py) => {
    if (j === hovered) return;
    hovered = j;
    canvas.style.cursor = j >= 0 ? "pointer" : "";
    if (j >= 0) {
      tip.textContent = data.t[j];
      tip.style.left = `${Math.min(px + 12, W - 220)}px`;
      tip.style.top = `${py + 12}px`;
      frame.dataset.hovered = `${kindOf(j)}:${data.id[j]}`;
      spoken.textContent = `${data.t[j]} (${kindOf(j)})`;
    } else {
      delete frame.dataset.hovered;
      spoken.textContent = "";
    }
    tip.hidden = j < 0;
    request();
  };

  // -- input: wheel, drag, pinch, click, keys ------------------------------------------------------
  const local = (event) => {
    const r = canvas.getBoundingClientRect();
    return { x: event.clientX - r.left, y: event.clientY - r.top };
  };
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    const p = local(event);
    zoom(1.2 ** (-event.deltaY / 100), p.x, p.y);
  }, { passive: false });

  const pointers = new Map(); // the pointers that are down, by id, where they were last
  let dragged = false, pinch = 0;
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, local(event));
    dragged = false;
  });
  canvas.addEventListener("pointermove", (event) => {
    const p = local(event), last = pointers.get(event.pointerId);
    if (!last) {
      hover(nodeAt(p.x, p.y), p.x, p.y);
      return;
    }
    if (pointers.size === 2) {
      const [other] = [...pointers].filter(([id]) => id !== event.pointerId).map(([, q]) => q);
      const distance = Math.hypot(p.x - other.x, p.y - other.y);
      if (pinch) zoom(distance / pinch, (p.x + other.x) / 2, (p.y + other.y) / 2);
      pinch = distance;
      dragged = true;
    } else {
      const step = Math.abs(p.x - last.x) + Math.abs(p.y - last.y);
      if (step > 0) {
        view.x += p.x - last.x;
        view.y += p.y - last.y;
        dragged ||= step > 3;
        hover(-1);
        moved();
      }
    }
    pointers.set(event.pointerId, p);
  });
  const release = (event) => {
    pointers.delete(event.pointerId);
    pinch = 0;
  };
  canvas.addEventListener("pointerup", (event) => {
    const p = local(event);
    const wasTap = !dragged && pointers.size === 1;
    release(event);
    if (!wasTap) return;
    const j = nodeAt(p.x, p.y);
    if (j >= 0) location.href = href(j);
  });
  canvas.addEventListener("pointercancel", release);
  canvas.addEventListener("pointerleave", (event) => { if (event.pointerType === "mouse") hover(-1); });

  // Keys: the node nearest the centre of the view is the keyboard's pointer; Enter opens it.
  const centre = () => {
    let best = -1, bestDistance = Infinity;
    for (let j = 0; j < n; j++) {
      if (!shown(K[j])) continue;
      const d = (sx(j) - W / 2) ** 2 + (sy(j) - H / 2) ** 2;
      if (d < bestDistance) {
        best = j;
        bestDistance = d;
      }
    }
    return bestDistance <= 40 * 40 ? best : -1;
  };
  const pan = (dx, dy) => {
    view.x += dx;
    view.y += dy;
    moved();
  };
  frame.addEventListener("keydown", (event) => {
    const step = 0.1 * Math.min(W, H);
    if (event.key === "Enter") {
      if (hovered >= 0) location.href = href(hovered);
      return;
    }
    if (event.key === "+" || event.key === "=") zoom(1.2, W / 2, H / 2);
    else if (event.key === "-") zoom(1 / 1.2, W / 2, H / 2);
    else if (event.key === "0") { fit(); moved(); }
    else if (event.key === "ArrowLeft") pan(step, 0);
    else if (event.key === "ArrowRight") pan(-step, 0);
    else if (event.key === "ArrowUp") pan(0, step);
    else if (event.key === "ArrowDown") pan(0, -step);
    else return;
    event.preventDefault();
    const j = centre();
    hover(j, j >= 0 ? sx(j) : 0, j >= 0 ? sy(j) : 0);
  });

  // The theme can change under the picture: from the toggle or from the system.
  const recolour = () => {
    readColours();
    redraw();
  };
  new MutationObserver(recolour).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener("change", recolour);
  if (window.ResizeObserver) new ResizeObserver(resize).observe(frame);
  else window.addEventListener("resize", resize);

  readColours();
  resize();
})();
