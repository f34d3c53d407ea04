// The overview page: clicking a region (or cercle) on the map filters the page on it.
// The map is drawn by sentinelle.js, which dispatches "sentinelle:drawn" on each figure;
// units carry customdata [P-code, parent P-code, name, value] (see web/figures.py).
(function () {
  "use strict";

  function filterOn(level, point) {
    var pcode = point.customdata[0];
    var parent = point.customdata[1];
    var url = new URL(window.location.href);
    if (level === "admin2") {
      url.searchParams.set("cercle", pcode);
      if (parent) { url.searchParams.set("region", parent); }
    } else {
      url.searchParams.set("region", pcode);
      url.searchParams.delete("cercle");
    }
    url.searchParams.delete("page");
    window.location.assign(url.pathname + url.search);
  }

  document.addEventListener("sentinelle:drawn", function (event) {
    var element = event.target;
    var level = element.dataset ? element.dataset.clickFilter : undefined;
    if (!level || typeof element.on !== "function") { return; }
    element.classList.add("clickable");
    element.on("plotly_click", function (data) {
      var point = data && data.points && data.points[0];
      if (point && point.customdata && point.customdata[0]) { filterOn(level, point); }
    });
  });
})();
