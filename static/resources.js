// llmnotes: filter the resource index by kind, topic and year, and sort it. The list works without it.
(function () {
  "use strict";
  var form = document.querySelector(".resource-filters");
  var list = document.querySelector(".resource-index");
  if (!form || !list) return;
  var items = Array.prototype.slice.call(list.children);
  items.forEach(function (li, i) { li.dataset.order = i; });
  form.hidden = false;

  function apply() {
    var kind = form.kind.value, topic = form.topic.value, year = form.year.value, sort = form.sort.value;
    var shown = 0;
    items.forEach(function (li) {
      var ok = (!kind || li.dataset.kind === kind) && (!year || li.dataset.year === year) &&
        (!topic || li.dataset.topics.indexOf(" " + topic + " ") >= 0);
      li.hidden = !ok;
      if (ok) shown++;
    });
    var sorted = items.slice().sort(function (a, b) {
      if (sort === "year") return (Number(b.dataset.year) || 0) - (Number(a.dataset.year) || 0) || a.dataset.order - b.dataset.order;
      if (sort === "cited") return b.dataset.cited - a.dataset.cited || a.dataset.order - b.dataset.order;
      return a.dataset.order - b.dataset.order;
    });
    sorted.forEach(function (li) { list.appendChild(li); });
    form.count.value = shown + " of " + items.length + " shown";
  }

  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
})();
