// What both pages share: talking to the explorer's JSON API. Showing an SVG safely is
// graphview.js's (loaded first; the notebook widget uses the same file).
(function () {
  "use strict";

  // The server's token, written into this page by the server: every API request
  // carries it (a page of another site cannot read it, so cannot send it).
  var tokenMeta = document.querySelector('meta[name="microgrid-token"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";

  // Every answer is JSON; a non-200 answer carries {"error": message}. How a request
  // reaches microgrid is the one thing the two editions do differently: `microgrid play`
  // sends it to its server with fetch; the browser edition (make site) loads transport.js
  // before this file, which sets window.microgridTransport and hands the request to
  // microgrid running in a Web Worker. Both answer through the same Python functions.
  function api(method, path, body) {
    if (window.microgridTransport) { return window.microgridTransport(method, path, body); }
    var options = { method: method, headers: { "X-Microgrid-Token": token } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.json().catch(function () {
        return { error: "the server sent something that is not JSON (status " + response.status + ")" };
      }).then(function (data) {
        if (!response.ok || data.error) {
          var error = new Error(data.error || ("status " + response.status));
          error.details = data;
          throw error;
        }
        return data;
      });
    }, function () {
      throw new Error("the explorer's server does not answer (was it stopped?)");
    });
  }

  // Run `task` (a function returning a promise) now, or once more after the
  // running one ends: fast slider moves never queue up more than one request.
  function coalesced(task) {
    var busy = false;
    var again = false;
    function run() {
      if (busy) { again = true; return; }
      busy = true;
      again = false;
      Promise.resolve().then(task).catch(function () {}).then(function () {
        busy = false;
        if (again) { run(); }
      });
    }
    return run;
  }

  window.microgrid = { api: api, showSvg: window.microgridView.showSvg, coalesced: coalesced };
})();
