// llmnotes graph view: pan (drag), zoom (wheel, + and - keys), and highlight a node's neighbours on
// hover. The SVG is complete without this file; every node is already a link to its page.
(() => {
  "use strict";
  for (const svg of document.querySelectorAll("[data-pan-zoom] svg.graph")) {
    const box = svg.viewBox.baseVal;
    const view = { x: box.x, y: box.y, w: box.width, h: box.height };
    const full = { w: box.width, h: box.height };
    const apply = () => svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
    const zoom = (factor, cx, cy) => {
      const w = Math.min(full.w * 2, Math.max(full.w / 40, view.w * factor));
      const h = w * full.h / full.w;
      view.x = cx - (cx - view.x) * (w / view.w);
      view.y = cy - (cy - view.y) * (h / view.h);
      view.w = w;
      view.h = h;
      apply();
    };
    const point = (event) => {
      const r = svg.getBoundingClientRect();
      return { x: view.x + (event.clientX - r.left) / r.width * view.w, y: view.y + (event.clientY - r.top) / r.height * view.h };
    };
    svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const p = point(event);
      zoom(event.deltaY > 0 ? 1.2 : 1 / 1.2, p.x, p.y);
    }, { passive: false });

    let drag = null, moved = false;
    svg.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY };
      moved = false;
    });
    window.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const r = svg.getBoundingClientRect();
      const dx = (event.clientX - drag.x) / r.width * view.w, dy = (event.clientY - drag.y) / r.height * view.h;
      if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 3) moved = true;
      view.x -= dx;
      view.y -= dy;
      drag = { x: event.clientX, y: event.clientY };
      apply();
    });
    window.addEventListener("pointerup", () => { drag = null; });
    svg.addEventListener("click", (event) => {
      if (moved) {
        event.preventDefault();
        moved = false;
      }
    }, true);
    svg.parentNode.addEventListener("keydown", (event) => {
      if (event.key === "+" || event.key === "=") zoom(1 / 1.2, view.x + view.w / 2, view.y + view.h / 2);
      else if (event.key === "-") zoom(1.2, view.x + view.w / 2, view.y + view.h / 2);
    });

    // Each node's edges, and each node by id, found once.
    const edgesOf = new Map(), nodes = new Map();
    for (const line of svg.querySelectorAll(".edge")) {
      for (const id of [line.dataset.a, line.dataset.b]) {
        if (!edgesOf.has(id)) edgesOf.set(id, []);
        edgesOf.get(id).push(line);
      }
    }
    for (const a of svg.querySelectorAll(".node")) nodes.set(a.dataset.id, a);

    let lit = [];
    const clear = () => {
      for (const el of lit) el.classList.remove("lit");
      lit = [];
      svg.classList.remove("highlighting");
    };
    svg.addEventListener("pointerover", (event) => {
      const node = event.target.closest?.(".node");
      if (!node) return;
      clear();
      const id = node.dataset.id;
      lit.push(node);
      for (const line of edgesOf.get(id) || []) {
        lit.push(line);
        const other = nodes.get(line.dataset.a === id ? line.dataset.b : line.dataset.a);
        if (other) lit.push(other);
      }
      for (const el of lit) el.classList.add("lit");
      svg.classList.add("highlighting");
    });
    svg.addEventListener("pointerleave", clear);
  }
})();
