// Sentinelle's own script: draws the figures the server prepared, and small conveniences.
// Figures are <div data-figure='{"data":…,"layout":…}'> elements drawn with plotly.js,
// which the server serves from the installed plotly package (no CDN).
(function () {
  "use strict";

  function drawFigures(root) {
    if (typeof window.Plotly === "undefined") { return; }
    root.querySelectorAll("[data-figure]").forEach(function (element) {
      if (element.dataset.drawn) { return; }
      var figure = JSON.parse(element.dataset.figure);
      var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});
      window.Plotly.newPlot(element, figure.data, figure.layout || {}, config);
      element.dataset.drawn = "1";
      element.dispatchEvent(new CustomEvent("sentinelle:drawn", { bubbles: true }));
    });
  }

  window.Sentinelle = { drawFigures: drawFigures };
  document.addEventListener("DOMContentLoaded", function () { drawFigures(document); });
})();
