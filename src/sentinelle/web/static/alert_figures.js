// The alert figures pages: clicking an event or an alert on the coverage map opens it, and
// changing the period length or the breakdown of the dashboard shows it at once. Maps and
// charts are drawn by sentinelle.js, which dispatches "sentinelle:drawn"; each point carries
// customdata [kind, id, title, details, URL] (see web/pages/alert_figures.py). Everything also
// works without this script.
(function () {
  "use strict";

  document.addEventListener("sentinelle:drawn", function (event) {
    var element = event.target;
    if (!element.dataset || !element.dataset.pointLink || typeof element.on !== "function") {
      return;
    }
    element.classList.add("clickable");
    element.on("plotly_click", function (data) {
      var point = data && data.points && data.points[0];
      var url = point && point.customdata && point.customdata[4];
      if (typeof url === "string" && url.charAt(0) === "/") { window.location.assign(url); }
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form && select.form.reportValidity()) { select.form.submit(); }
      });
    });
  });
})();
