// The browser edition's transport (make site): loaded before common.js, it sets
// window.microgridTransport, so that common.js's api() sends each request to microgrid
// running in a Web Worker (worker.js, Pyodide) instead of a server. The pages' other
// scripts are the very files `microgrid play` serves. It also keeps the Exercises
// page's progress in the browser's storage (localStorage), and says on the page that
// Python runs here, and what needs the installed microgrid.
(function () {
  "use strict";
  var PROGRESS_KEY = "microgrid-exercises-progress";
  var worker = new Worker("worker.js", { type: "module" });
  var pending = {};
  var nextId = 1;
  var root = document.documentElement;
  root.setAttribute("data-python", "loading");

  var note = document.createElement("p");
  note.className = "hint python-status";
  note.id = "python-status";
  note.setAttribute("aria-live", "polite");
  note.textContent = "Starting Python in this page (Pyodide, a few seconds)…";
  function placeNote() {
    var header = document.querySelector("header");
    if (header && !note.parentNode) { header.insertAdjacentElement("afterend", note); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", placeNote);
  } else { placeNote(); }

  worker.onmessage = function (event) {
    var message = event.data;
    if (message.id === undefined) {  // the worker's own news: Python is ready, or failed
      if (message.ready) {
        root.setAttribute("data-python", "ready");
        root.setAttribute("data-python-seconds", message.seconds.toFixed(2));
        root.setAttribute("data-python-steps", JSON.stringify(message.steps));
        // From the page's start (navigation) to Python ready, for docs/performance.md.
        root.setAttribute("data-python-ready-ms", performance.now().toFixed(0));
        note.textContent = "microgrid runs in this page (Python " + message.python +
          " in Pyodide " + message.pyodide + "; ready in " + message.seconds.toFixed(1) +
          " s; nothing installed). " +
          "The training page and the exercises of chapters 3–5 need NumPy: they run in the " +
          "installed microgrid (pip install microgrid-autograd; microgrid play).";
      } else {
        root.setAttribute("data-python", "failed");
        note.textContent = "Python could not start in this page: " + message.error;
      }
      return;
    }
    var waiting = pending[message.id];
    delete pending[message.id];
    if (waiting) { waiting(message); }
  };

  function savedProgress() {
    try { return JSON.parse(window.localStorage.getItem(PROGRESS_KEY) || "null"); }
    catch (error) { return null; }  // storage refused (a private window) or garbled
  }

  function saveProgress(record) {
    try { window.localStorage.setItem(PROGRESS_KEY, JSON.stringify(record)); }
    catch (error) { /* storage refused: the progress lasts as long as the page */ }
  }

  window.microgridTransport = function (method, path, body) {
    if (method === "POST" && path === "/api/exercises") {
      var saved = savedProgress();
      if (saved) {
        // A kept progress the engine refuses (storage edited by hand) is forgotten, once.
        return send(method, path, Object.assign({}, body || {}, { progress: saved }))
          .catch(function () {
            try { window.localStorage.removeItem(PROGRESS_KEY); } catch (error) { /* none */ }
            return send(method, path, body);
          });
      }
    }
    return send(method, path, body);
  };

  function send(method, path, body) {
    var id = nextId++;
    return new Promise(function (resolve) {
      pending[id] = resolve;
      worker.postMessage({ id: id, method: method, path: path, body: body });
    }).then(function (answer) {
      var data;
      try { data = JSON.parse(answer.text); }
      catch (error) { data = { error: "the worker sent something that is not JSON" }; }
      if (answer.status !== 200 || data.error) {
        var error = new Error(data.error || ("status " + answer.status));
        error.details = data;
        throw error;
      }
      if (data.record && path.indexOf("/api/exercises") === 0) { saveProgress(data.record); }
      return data;
    });
  }
})();
