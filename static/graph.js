// llmnotes graph view: pan (drag), zoom (wheel, + and - keys), and highlight a node's neighbours on
// hover. The SVG is complete without this file; every node is already a link to its page.
(function () {
  "use strict";
  document.querySelectorAll("[data-pan-zoom] svg.graph").forEach(function (svg) {
    var box = svg.viewBox.baseVal;
    var view = { x: box.x, y: box.y, w: box.width, h: box.height };
    var full = { w: box.width, h: box.height };
    function apply() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
    function zoom(factor, cx, cy) {
      var w = Math.min(full.w * 2, Math.max(full.w / 40, view.w * factor));
      var h = w * full.h / full.w;
      view.x = cx - (cx - view.x) * (w / view.w);
      view.y = cy - (cy - view.y) * (h / view.h);
      view.w = w; view.h = h;
      apply();
    }
    function point(event) {
      var r = svg.getBoundingClientRect();
      return { x: view.x + (event.clientX - r.left) / r.width * view.w, y: view.y + (event.clientY - r.top) / r.height * view.h };
    }
    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var p = point(event);
      zoom(event.deltaY > 0 ? 1.2 : 1 / 1.2, p.x, p.y);
    }, { passive: false });
    var drag = null, moved = false;
    svg.addEventListener("pointerdown", function (event) { drag = { x: event.clientX, y: event.clientY }; moved = false; });
    window.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var r = svg.getBoundingClientRect();
      var dx = (event.clientX - drag.x) / r.width * view.w, dy = (event.clientY - drag.y) / r.height * view.h;
      if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 3) moved = true;
      view.x -= dx; view.y -= dy; drag = { x: event.clientX, y: event.clientY };
      apply();
    });
    window.addEventListener("pointerup", function () { drag = null; });
    svg.addEventListener("click", function (event) { if (moved) { event.preventDefault(); moved = false; } }, true);
    svg.parentNode.addEventListener("keydown", function (event) {
      if (event.key === "+" || event.key === "=") zoom(1 / 1.2, view.x + view.w / 2, view.y + view.h / 2);
      else if (event.key === "-") zoom(1.2, view.x + view.w / 2, view.y + view.h / 2);
    });

    // Neighbours by node id, built once.
    var edges = svg.querySelectorAll(".edge");
    var byNode = {};
    edges.forEach(function (line) {
      [line.getAttribute("data-a"), line.getAttribute("data-b")].forEach(function (id) { (byNode[id] = byNode[id] || []).push(line); });
    });
    var nodes = {};
    svg.querySelectorAll(".node").forEach(function (a) { nodes[a.getAttribute("data-id")] = a; });
    var lit = [];
    function clear() { lit.forEach(function (el) { el.classList.remove("lit"); }); lit = []; svg.classList.remove("highlighting"); }
    svg.addEventListener("pointerover", function (event) {
      var node = event.target.closest && event.target.closest(".node");
      if (!node) return;
      clear();
      var id = node.getAttribute("data-id");
      lit.push(node);
      (byNode[id] || []).forEach(function (line) {
        lit.push(line);
        var other = line.getAttribute("data-a") === id ? line.getAttribute("data-b") : line.getAttribute("data-a");
        if (nodes[other]) lit.push(nodes[other]);
      });
      lit.forEach(function (el) { el.classList.add("lit"); });
      svg.classList.add("highlighting");
    });
    svg.addEventListener("pointerleave", clear);
  });
})();
