// llmnotes graph view for large sites: the whole graph on a canvas, with level of detail.
// An SVG element per node stops being responsive at a few thousand nodes (benchmarks/RESULTS.md),
// so past graphview.CANVAS_FROM the build writes graph/data.js and this file draws it: nodes and
// edges culled to the view, resources and labels only once zoomed in far enough to read them,
// edges left out while a pan or zoom is under way and a dense view is redrawn when it settles, and
// the hover highlight painted over a cached picture of the rest. Without script, the page keeps
// its SVG overview of topics and notes.
(function () {
  "use strict";
  var frame = document.querySelector(".graph-large");
  var data = window.LLMNOTES_GRAPH;
  if (!frame || !data) return;

  var TOPIC = 0, NOTE = 1, RESOURCE = 2;
  var RADIUS = data.r; // per kind, as graphview.py draws them in SVG
  var MIN_RADIUS = [3, 1.5, 1];
  var EDGES_WHILE_MOVING = 20000; // more visible edges than this are left out until the view settles
  var LABELS = 300; // at most this many labels of one kind
  var root = frame.getAttribute("data-root") || "";
  var onDisk = location.protocol === "file:";

  // -- data: columns, adjacency, a grid for finding the node under the pointer -----------------------
  var n = data.k.length;
  var K = Uint8Array.from(data.k), X = Float64Array.from(data.x), Y = Float64Array.from(data.y);
  var E = Int32Array.from(data.e);
  var degree = new Int32Array(n + 1);
  for (var i = 0; i < E.length; i++) degree[E[i] + 1]++;
  for (i = 0; i < n; i++) degree[i + 1] += degree[i];
  var fill = degree.slice(0, n), near = new Int32Array(E.length);
  for (i = 0; i < E.length; i += 2) { near[fill[E[i]]++] = E[i + 1]; near[fill[E[i + 1]]++] = E[i]; }
  var width = 0, height = 0;
  for (i = 0; i < n; i++) { width = Math.max(width, X[i]); height = Math.max(height, Y[i]); }
  width += 40; height += 40;

  var CELL = 40, cols = Math.ceil(width / CELL) + 1, rows = Math.ceil(height / CELL) + 1;
  var cellStart = new Int32Array(cols * rows + 1), cellItems = new Int32Array(n);
  function cellOf(j) { return Math.floor(Y[j] / CELL) * cols + Math.floor(X[j] / CELL); }
  for (i = 0; i < n; i++) cellStart[cellOf(i) + 1]++;
  for (i = 0; i < cols * rows; i++) cellStart[i + 1] += cellStart[i];
  var cellFill = cellStart.slice(0, cols * rows);
  for (i = 0; i < n; i++) cellItems[cellFill[cellOf(i)]++] = i;

  function href(j) {
    var path = data.paths[data.kinds[K[j]]].replace("{}", data.id[j]);
    return root + encodeURI(path) + (onDisk ? "index.html" : "");
  }

  // -- the canvas replaces the overview --------------------------------------------------------------
  var canvas = document.createElement("canvas");
  canvas.className = "graph-canvas";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "The graph of " + n + " topics, notes and resources");
  var svg = frame.querySelector("svg");
  if (svg) frame.removeChild(svg);
  frame.appendChild(canvas);
  var tip = document.createElement("div");
  tip.className = "graph-tip";
  tip.hidden = true;
  frame.appendChild(tip);
  var ctx = canvas.getContext("2d");
  var base = document.createElement("canvas"), baseCtx = base.getContext("2d");

  var W = 0, H = 0, dpr = 1;
  var view = { s: 1, x: 0, y: 0 }; // screen = world * s + (x, y), in CSS pixels
  var hovered = -1, moving = false, settle = 0, frameRequested = false, baseStale = true;
  var colours = null;

  function readColours() {
    var style = getComputedStyle(document.documentElement);
    function v(name) { return style.getPropertyValue(name).trim(); }
    colours = { bg: v("--bg"), fg: v("--fg"), line: v("--line"), muted: v("--muted"), accent: v("--accent"), kind: [v("--warn"), v("--accent"), v("--muted")] };
  }

  function fit() {
    view.s = Math.min(W / width, H / height);
    view.x = (W - width * view.s) / 2;
    view.y = (H - height * view.s) / 2;
  }

  function resize() {
    var box = frame.getBoundingClientRect();
    var fresh = !W;
    W = Math.max(1, Math.round(box.width)); H = Math.max(1, Math.round(box.height));
    dpr = window.devicePixelRatio || 1;
    [canvas, base].forEach(function (c) { c.width = Math.round(W * dpr); c.height = Math.round(H * dpr); });
    canvas.style.width = W + "px"; canvas.style.height = H + "px";
    if (fresh) fit();
    redraw();
  }

  function radius(k) { return Math.max(MIN_RADIUS[k], Math.min(RADIUS[k] * view.s, RADIUS[k] * 2)); }
  function sx(j) { return X[j] * view.s + view.x; }
  function sy(j) { return Y[j] * view.s + view.y; }
  function onScreen(j, pad) { var x = sx(j), y = sy(j); return x > -pad && y > -pad && x < W + pad && y < H + pad; }
  function shown(k) { return k !== RESOURCE || RADIUS[RESOURCE] * view.s >= 0.75; }

  function nodes(c, list, k, r) {
    c.fillStyle = colours.kind[k];
    c.beginPath();
    for (var a = 0; a < list.length; a++) {
      var j = list[a], x = sx(j), y = sy(j);
      if (r < 2) c.rect(x - r, y - r, 2 * r, 2 * r);
      else { c.moveTo(x + r, y); c.arc(x, y, r, 0, 2 * Math.PI); }
    }
    c.fill();
  }

  function label(c, j, bold) {
    var text = data.t[j].length > 40 ? data.t[j].slice(0, 39) + "…" : data.t[j];
    var x = sx(j) + radius(K[j]) + 3, y = sy(j) + 4;
    c.font = (bold ? "600 " : "") + "12px system-ui, sans-serif";
    c.lineWidth = 3; c.strokeStyle = colours.bg; c.strokeText(text, x, y);
    c.fillStyle = colours.fg; c.fillText(text, x, y);
  }

  // Everything but the highlight, into `base`.
  function drawBase() {
    var c = baseCtx;
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.fillStyle = colours.bg;
    c.fillRect(0, 0, W, H);
    var visible = [[], [], []];
    for (var j = 0; j < n; j++) if (shown(K[j]) && onScreen(j, 20)) visible[K[j]].push(j);
    var segments = [];
    for (var e = 0; e < E.length; e += 2) {
      var a = E[e], b = E[e + 1];
      if (!shown(K[a]) || !shown(K[b])) continue;
      var ax = sx(a), ay = sy(a), bx = sx(b), by = sy(b);
      if ((ax < 0 && bx < 0) || (ay < 0 && by < 0) || (ax > W && bx > W) || (ay > H && by > H)) continue;
      segments.push(ax, ay, bx, by);
    }
    var edges = segments.length / 4, skipEdges = moving && edges > EDGES_WHILE_MOVING;
    frame.dataset.drawn = visible[0].length + visible[1].length + visible[2].length + " nodes, " + (skipEdges ? 0 : edges) + " edges";
    if (!skipEdges) {
      c.strokeStyle = colours.muted;
      c.globalAlpha = Math.max(0.03, Math.min(0.4, W * H / 1000 / Math.max(edges, 1)));  // fainter as edges crowd the pixels
      c.lineWidth = 1;
      c.beginPath();
      for (var q = 0; q < segments.length; q += 4) { c.moveTo(segments[q], segments[q + 1]); c.lineTo(segments[q + 2], segments[q + 3]); }
      c.stroke();
      c.globalAlpha = 1;
    }
    for (var k = RESOURCE; k >= TOPIC; k--) if (visible[k].length) nodes(c, visible[k], k, radius(k));
    if (view.s >= 0.5 && visible[NOTE].length <= LABELS) visible[NOTE].forEach(function (j) { label(c, j, false); });
    if (view.s >= 1.5 && visible[RESOURCE].length <= LABELS) visible[RESOURCE].forEach(function (j) { label(c, j, false); });
    visible[TOPIC].forEach(function (j) { label(c, j, true); });
    baseStale = false;
  }

  // The cached picture, then the hovered node, its edges and its neighbours on top.
  function compose() {
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
    ctx.strokeStyle = colours.accent;
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (var p = degree[hovered]; p < degree[hovered + 1]; p++) { ctx.moveTo(sx(hovered), sy(hovered)); ctx.lineTo(sx(near[p]), sy(near[p])); }
    ctx.stroke();
    var group = [[], [], []];
    for (p = degree[hovered]; p < degree[hovered + 1]; p++) group[K[near[p]]].push(near[p]);
    group[K[hovered]].push(hovered);
    for (var k = RESOURCE; k >= TOPIC; k--) if (group[k].length) nodes(ctx, group[k], k, Math.max(radius(k), 3));
    for (k = TOPIC; k <= RESOURCE; k++) group[k].forEach(function (j) { if (onScreen(j, 0)) label(ctx, j, j === hovered); });
  }

  function redraw() { baseStale = true; request(); }
  function request() { if (!frameRequested) { frameRequested = true; requestAnimationFrame(compose); } }

  // A pan or zoom in progress draws the cheap picture; the full one follows once it stops.
  function moved() {
    moving = true;
    clearTimeout(settle);
    settle = setTimeout(function () { moving = false; redraw(); }, 150);
    redraw();
  }

  function zoom(factor, cx, cy) {
    var s = Math.max(Math.min(W / width, H / height) / 4, Math.min(8, view.s * factor));
    view.x = cx - (cx - view.x) * (s / view.s);
    view.y = cy - (cy - view.y) * (s / view.s);
    view.s = s;
    moved();
  }

  // The node under a point of the canvas, if any: the nearest within its drawn radius (or 6 px).
  function nodeAt(px, py) {
    var wx = (px - view.x) / view.s, wy = (py - view.y) / view.s;
    var reach = Math.max(6, RADIUS[TOPIC] * 2) / view.s;
    var best = -1, bestDistance = Infinity;
    var c0 = Math.max(0, Math.floor((wx - reach) / CELL)), c1 = Math.min(cols - 1, Math.floor((wx + reach) / CELL));
    var r0 = Math.max(0, Math.floor((wy - reach) / CELL)), r1 = Math.min(rows - 1, Math.floor((wy + reach) / CELL));
    for (var r = r0; r <= r1; r++) {
      for (var c = c0; c <= c1; c++) {
        for (var p = cellStart[r * cols + c]; p < cellStart[r * cols + c + 1]; p++) {
          var j = cellItems[p];
          if (!shown(K[j])) continue;
          var dx = sx(j) - px, dy = sy(j) - py, d = Math.sqrt(dx * dx + dy * dy);
          if (d <= Math.max(radius(K[j]), 6) && d < bestDistance) { best = j; bestDistance = d; }
        }
      }
    }
    return best;
  }

  function hover(j, px, py) {
    if (j === hovered) return;
    hovered = j;
    canvas.style.cursor = j >= 0 ? "pointer" : "";
    if (j >= 0) {
      tip.textContent = data.t[j];
      tip.style.left = Math.min(px + 12, W - 220) + "px";
      tip.style.top = py + 12 + "px";
    }
    tip.hidden = j < 0;
    request();
  }

  // -- input: wheel, drag, pinch, click, keys ------------------------------------------------------
  function local(event) { var r = canvas.getBoundingClientRect(); return { x: event.clientX - r.left, y: event.clientY - r.top }; }
  canvas.addEventListener("wheel", function (event) {
    event.preventDefault();
    var p = local(event);
    zoom(Math.pow(1.2, -event.deltaY / 100), p.x, p.y);
  }, { passive: false });

  var pointers = {}, dragged = false, pinch = 0;
  canvas.addEventListener("pointerdown", function (event) {
    canvas.setPointerCapture(event.pointerId);
    pointers[event.pointerId] = local(event);
    dragged = false;
  });
  canvas.addEventListener("pointermove", function (event) {
    var p = local(event), last = pointers[event.pointerId];
    var ids = Object.keys(pointers);
    if (!last) { hover(nodeAt(p.x, p.y), p.x, p.y); return; }
    if (ids.length === 2) {
      var other = pointers[ids[0] == event.pointerId ? ids[1] : ids[0]];
      var distance = Math.hypot(p.x - other.x, p.y - other.y);
      if (pinch) zoom(distance / pinch, (p.x + other.x) / 2, (p.y + other.y) / 2);
      pinch = distance;
      dragged = true;
    } else {
      if (Math.abs(p.x - last.x) + Math.abs(p.y - last.y) > 0) {
        view.x += p.x - last.x; view.y += p.y - last.y;
        dragged = dragged || Math.abs(p.x - last.x) + Math.abs(p.y - last.y) > 3;
        hover(-1);
        moved();
      }
    }
    pointers[event.pointerId] = p;
  });
  function release(event) { delete pointers[event.pointerId]; pinch = 0; }
  canvas.addEventListener("pointerup", function (event) {
    var p = local(event);
    var wasTap = !dragged && Object.keys(pointers).length === 1;
    release(event);
    if (!wasTap) return;
    var j = nodeAt(p.x, p.y);
    if (j >= 0) location.href = href(j);
  });
  canvas.addEventListener("pointercancel", release);
  canvas.addEventListener("pointerleave", function (event) { if (event.pointerType === "mouse") hover(-1); });

  // Keys: the node nearest the centre of the view is the keyboard's pointer; Enter opens it.
  function centre() {
    var best = -1, bestDistance = Infinity;
    for (var j = 0; j < n; j++) {
      if (!shown(K[j])) continue;
      var dx = sx(j) - W / 2, dy = sy(j) - H / 2, d = dx * dx + dy * dy;
      if (d < bestDistance) { best = j; bestDistance = d; }
    }
    return bestDistance <= 40 * 40 ? best : -1;
  }
  frame.addEventListener("keydown", function (event) {
    var step = 0.1 * Math.min(W, H);
    if (event.key === "Enter") { if (hovered >= 0) location.href = href(hovered); return; }
    if (event.key === "+" || event.key === "=") zoom(1.2, W / 2, H / 2);
    else if (event.key === "-") zoom(1 / 1.2, W / 2, H / 2);
    else if (event.key === "0") { fit(); moved(); }
    else if (event.key === "ArrowLeft") { view.x += step; moved(); }
    else if (event.key === "ArrowRight") { view.x -= step; moved(); }
    else if (event.key === "ArrowUp") { view.y += step; moved(); }
    else if (event.key === "ArrowDown") { view.y -= step; moved(); }
    else return;
    event.preventDefault();
    var j = centre();
    hover(j, j >= 0 ? sx(j) : 0, j >= 0 ? sy(j) : 0);
  });

  // The theme can change under the picture: from the toggle or from the system.
  new MutationObserver(function () { readColours(); redraw(); }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  if (window.matchMedia) window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () { readColours(); redraw(); });
  if (window.ResizeObserver) new ResizeObserver(resize).observe(frame);
  else window.addEventListener("resize", resize);

  // For tests and benchmarks: where a node is drawn, and which one is highlighted.
  frame.graphView = {
    find: function (kind, id) { for (var j = 0; j < n; j++) if (data.kinds[K[j]] === kind && data.id[j] === id) return j; return -1; },
    at: function (j) { var r = canvas.getBoundingClientRect(); return { x: r.left + sx(j), y: r.top + sy(j) }; },
    fit: function () { fit(); moving = false; redraw(); },
    zoomTo: function (j, s) { view.s = s; view.x = W / 2 - X[j] * s; view.y = H / 2 - Y[j] * s; moving = false; redraw(); },
    hovered: function () { return hovered < 0 ? null : data.kinds[K[hovered]] + ":" + data.id[hovered]; }
  };

  readColours();
  resize();
})();
