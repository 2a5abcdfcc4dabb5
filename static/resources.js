// llmnotes: filter the resource index by kind, topic, status and year, and sort it. The list works without it.
(() => {
  "use strict";
  const form = document.querySelector(".resource-filters");
  const list = document.querySelector(".resource-index");
  if (!form || !list) return;
  const items = [...list.children];
  items.forEach((li, i) => { li.dataset.order = i; });
  form.hidden = false;

  const byOrder = (a, b) => a.dataset.order - b.dataset.order;
  const ORDERS = {
    year: (a, b) => (Number(b.dataset.year) || 0) - (Number(a.dataset.year) || 0) || byOrder(a, b),
    cited: (a, b) => b.dataset.cited - a.dataset.cited || byOrder(a, b),
  };

  const apply = () => {
    const { kind, topic, year, sort, status } = form;
    let shown = 0;
    for (const li of items) {
      const ok = (!kind.value || li.dataset.kind === kind.value) && (!year.value || li.dataset.year === year.value) &&
        (!status.value || li.dataset.status === status.value) &&
        (!topic.value || li.dataset.topics.includes(` ${topic.value} `));
      li.hidden = !ok;
      if (ok) shown++;
    }
    for (const li of items.slice().sort(ORDERS[sort.value] || byOrder)) list.append(li);
    form.count.value = `${shown} of ${items.length} shown`;
  };

  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  apply();
})();
