// The training page: the server trains (POST /api/train/ID/start) and this page
// polls GET /api/train/ID, drawing what it is told: the boundary, the costs, one sample's graph.
(function () {
  "use strict";
  var api = window.microgrid.api;
  var view = window.microgridTrainView;  // the pictures, shared with the notebook's training widget
  var byId = function (id) { return document.getElementById(id); };
  var session = null;      // this tab's own session id (kept in memory: two tabs, two sessions)
  var costs = [];          // every cost so far (the server sends only the new ones)
  var points = [];
  var boundary = null;
  var sampleIteration = -1;
  var pollTimer = null;

  function settings() {
    return {
      dataset: byId("dataset").value,
      model: byId("model").value,
      hidden: Number(byId("hidden").value),
      learning_rate: Number(byId("learning-rate").value)
    };
  }

  function showMessage(text) {
    var box = byId("train-message");
    box.hidden = !text;
    box.textContent = text || "";
  }

  function fail(error) { showMessage(error.message); }

  function take(state, replaceCosts) {
    if (replaceCosts) { costs = []; }
    costs = costs.slice(0, state.costs_from).concat(state.costs);
    if (state.points) { points = state.points; }
    if (state.boundary) { boundary = state.boundary; }
    showMessage(state.message);
    byId("train-status").textContent = view.statusText(state) +
      (state.running ? " · running" : " · paused");
    document.body.setAttribute("data-session", state.id);
    document.body.setAttribute("data-iteration", String(state.iteration));
    document.body.setAttribute("data-running", String(state.running));
    document.body.setAttribute("data-cost", String(state.cost));
    document.body.setAttribute("data-first-cost", String(costs.length ? costs[0] : state.cost));
    byId("start").disabled = state.running;
    byId("pause").disabled = !state.running;
    if (document.activeElement !== byId("learning-rate")) {
      byId("learning-rate").value = String(state.learning_rate);
    }
    byId("sample").max = String(points.length - 1);
    if (document.activeElement !== byId("sample")) { byId("sample").value = String(state.sample); }
    drawBoundary(state.sample);
    drawCosts();
    var network = state.model === "mlp";
    byId("sample-graph").classList.toggle("wide", network);
    byId("sample-hint").textContent = view.sampleHint(state.model);
    var graph = state.sample_graph;
    if (graph && graph.iteration !== sampleIteration || graph && graph.index !== Number(byId("sample-index").textContent)) {
      sampleIteration = graph.iteration;
      byId("sample-index").textContent = String(graph.index);
      byId("sample-data").textContent = "x1 = " + graph.x[0].toFixed(3) + ", x2 = " +
        graph.x[1].toFixed(3) + ", y = " + graph.y + " (drawn at iteration " + graph.iteration + ")";
      if (graph.svg) { window.microgrid.showSvg(byId("sample-graph"), graph.svg); }
      else { byId("sample-graph").textContent = graph.error; }
    }
    document.body.setAttribute("data-state", "ready");
    schedulePoll(state.running);
  }

  function schedulePoll(running) {
    clearTimeout(pollTimer);
    // Fast while the server trains; slowly otherwise (someone else may have pressed Start).
    pollTimer = setTimeout(poll, running ? 250 : 3000);
  }

  function poll() {
    if (!session) { return; }
    api("GET", "/api/train/" + session + "?since=" + costs.length).then(function (state) {
      take(state, false);
    }, function (error) { fail(error); schedulePoll(false); });
  }

  // Actions go out one at a time, in the order they were made: the server answers each
  // request in its own thread, so two quick changes (the data set, then the model) could
  // otherwise be applied in the wrong order.
  var queue = Promise.resolve();

  function act(action, body) {
    queue = queue.then(function () {
      return api("POST", "/api/train/" + session + "/" + action, body || {}).then(function (state) {
        take(state, action === "reset");
      }, fail);
    });
    return queue;
  }

  // -- the pictures ---------------------------------------------------------------

  function drawBoundary(selected) { view.drawBoundary(byId("boundary"), boundary, points, selected); }

  function drawCosts() { view.drawCosts(byId("costs"), costs); }

  // -- controls ---------------------------------------------------------------------

  byId("start").addEventListener("click", function () { act("start"); });
  byId("pause").addEventListener("click", function () { act("pause"); });
  byId("step").addEventListener("click", function () { act("step", { count: 1 }); });
  byId("step-100").addEventListener("click", function () { act("step", { count: 100 }); });
  byId("reset").addEventListener("click", function () { act("reset", settings()); });
  byId("learning-rate").addEventListener("change", function () {
    act("set", { learning_rate: Number(byId("learning-rate").value) });
  });
  byId("sample").addEventListener("change", function () {
    act("set", { sample: Number(byId("sample").value) });
  });
  byId("boundary").addEventListener("click", function (event) {
    var best = view.nearestSample(byId("boundary"), boundary, points, event);
    if (best < 0) { return; }
    byId("sample").value = String(best);
    act("set", { sample: best });
  });
  byId("model").addEventListener("change", function () {
    // Each model's usual learning rate: 0.1 for logistic regression, the course's 1.2 for the network.
    byId("learning-rate").value = byId("model").value === "mlp" ? "1.2" : "0.1";
    byId("hidden").disabled = byId("model").value !== "mlp";
    act("reset", settings());
  });
  ["dataset", "hidden"].forEach(function (id) {
    byId(id).addEventListener("change", function () { act("reset", settings()); });
  });
  byId("hidden").disabled = true;

  api("POST", "/api/train", settings()).then(function (state) {
    session = state.id;
    take(state, true);
  }, fail);
})();
