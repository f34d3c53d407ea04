// The threat pages: clicking an area on a threat map opens its profile, and choosing a saved
// assessment shows it at once. Maps are drawn by sentinelle.js, which dispatches
// "sentinelle:drawn"; each area carries customdata [P-code, parent, name, level, text, URL]
// (see web/pages/threat.py). Everything also works without this script.
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
    // after saving a note, bring its row into view
    var saved = document.getElementById("saved-notice");
    if (saved && window.location.hash) {
      var row = document.getElementById(window.location.hash.slice(1));
      if (row) {
        row.classList.add("just-saved");
        row.scrollIntoView({ block: "center" });
      }
    }
  });
})();
