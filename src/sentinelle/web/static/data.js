// The data page's upload: sends the file with XMLHttpRequest (to show the upload's progress),
// then polls the import job until it ends and shows the summary the server renders.
// Without JavaScript the same form posts to /data/upload and the job page refreshes itself.
(function () {
  "use strict";

  var POLL_MS = 1000;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function errorText(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (typeof body.detail === "string") { return body.detail; }
      if (Array.isArray(body.detail)) {
        return body.detail.map(function (p) { return p.where + ": " + p.problem; }).join("; ");
      }
    } catch (ignored) { /* not JSON */ }
    return xhr.status + " " + xhr.statusText;
  }

  function setup(form) {
    var status = document.getElementById("upload-status");
    if (!status || !window.FormData || !window.XMLHttpRequest) { return; }
    var label = status.querySelector("[data-label]");
    var bar = status.querySelector("progress");
    var result = status.querySelector("[data-result]");
    var button = form.querySelector("button[type=submit]");
    var meta = document.querySelector('meta[name="csrf-token"]');
    var text = form.dataset;
    var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

    function progress(value, max) {
      if (max) {
        bar.max = max;
        bar.value = value;
      } else {
        bar.removeAttribute("value");  // indeterminate
      }
    }

    function refreshImports() {
      // the import log, re-read from the server (the parsed page is inert: no script runs)
      var xhr = new XMLHttpRequest();
      xhr.open("GET", window.location.href);
      xhr.onload = function () {
        if (xhr.status !== 200) { return; }
        var fresh = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var table = fresh.getElementById("imports");
        var current = document.getElementById("imports");
        if (table && current) { current.replaceWith(document.importNode(table, true)); }
      };
      xhr.send();
    }

    function finish(html) {
      bar.hidden = true;
      label.textContent = "";
      result.innerHTML = html;
      button.disabled = false;
      form.reset();
      refreshImports();
    }

    function failed(message) {
      var p = document.createElement("p");
      p.className = "alert";
      p.setAttribute("role", "alert");
      p.textContent = text.textFailed + " " + message;
      bar.hidden = true;
      label.textContent = "";
      result.replaceChildren(p);
      button.disabled = false;
    }

    function showSummary(job) {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", "/data/jobs/" + encodeURIComponent(job.id) + "?partial=1");
      xhr.onload = function () {
        if (xhr.status === 200) { finish(xhr.responseText); } else { failed(job.message || errorText(xhr)); }
      };
      xhr.onerror = function () { failed(text.textNetwork); };
      xhr.send();
    }

    function poll(job) {
      if (job.status === "done" || job.status === "failed") {
        showSummary(job);
        return;
      }
      if (job.status === "queued") {
        label.textContent = text.textQueued;
        progress(0, 0);
      } else {
        label.textContent = text.textProcessing + (job.done ? " " + fill(text.textRows, {
          done: numbers.format(job.done), total: job.total ? numbers.format(job.total) : "?"
        }) : "");
        progress(job.done, job.total);
      }
      window.setTimeout(function () {
        var xhr = new XMLHttpRequest();
        xhr.open("GET", job.url);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.onload = function () {
          if (xhr.status === 200) { poll(JSON.parse(xhr.responseText)); } else { failed(errorText(xhr)); }
        };
        xhr.onerror = function () { failed(text.textNetwork); };
        xhr.send();
      }, POLL_MS);
    }

    form.addEventListener("submit", function (event) {
      if (!meta) { return; }  // no session token: let the plain form post
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.api);
      xhr.setRequestHeader("X-CSRF-Token", meta.getAttribute("content"));
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { progress(0, 0); return; }
        progress(e.loaded, e.total);
        label.textContent = fill(text.textUploading, {
          percent: Math.floor((100 * e.loaded) / e.total) + " %"
        });
      });
      xhr.onload = function () {
        if (xhr.status === 202) { poll(JSON.parse(xhr.responseText)); } else { failed(errorText(xhr)); }
      };
      xhr.onerror = function () { failed(text.textNetwork); };
      status.hidden = false;
      bar.hidden = false;
      result.replaceChildren();
      label.textContent = fill(text.textUploading, { percent: "0 %" });
      progress(0, 0);
      button.disabled = true;
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload]").forEach(setup);
  });
})();
