// The forecast pages: clicking an area on a forecast map opens its forecast page, and choosing
// a run or a model in a list shows it at once. Maps are drawn by sentinelle.js, which
// dispatches "sentinelle:drawn"; each area carries customdata [P-code, parent, name,
// probability, details, URL] (see web/pages/forecast.py). Everything also works without this
// script.
(function () {
  "use strict";

  document.addEventListener("sentinelle:drawn", function (event) {
    var element = event.target;
    if (!element.dataset || !element.dataset.areaLink || typeof element.on !== "function") {
      return;
    }
    element.classList.add("clickable");
    element.on("plotly_click", function (data) {
      var point = data && data.points && data.points[0];
      var url = point && point.customdata && point.customdata[5];
      if (url && url.charAt(0) === "/") { window.location.assign(url); }
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) { select.form.submit(); }
      });
    });
  });
})();
