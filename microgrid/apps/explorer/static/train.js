// The training page: the server trains (POST /api/train/ID/start) and this page
// polls GET /api/train/ID, drawing what it is told: the boundary, the costs, one sample's graph.
(function () {
  "use strict";
  var api = window.microgrid.api;
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
    var cost = state.cost === null ? "not finite" : state.cost.toFixed(6);
    byId("train-status").textContent = "iteration " + state.iteration + " of at most " +
      state.max_iterations + " · cost J = " + cost + " · training accuracy " +
      (100 * state.accuracy).toFixed(1) + " % · " + state.summary +
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
    byId("sample-hint").textContent = network
      ? "The deltas of one sample's loss L: dz2[0] = a2[0] − y at the output, and each hidden " +
        "unit's delta comes back through its weight in W2 and tanh′. The cost J averages them over all samples."
      : "dz = a − y, and dw1 = x1 · dz: the deltas of one sample's loss L. The cost J averages " +
        "them over all samples.";
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

  // -- pictures (canvas): colours for numbers the server computed -------------------

  function toCanvas(canvas, x, y) {
    return [
      (x - boundary.x[0]) / (boundary.x[1] - boundary.x[0]) * canvas.width,
      (boundary.y[1] - y) / (boundary.y[1] - boundary.y[0]) * canvas.height
    ];
  }

  function drawBoundary(selected) {
    var canvas = byId("boundary");
    var context = canvas.getContext("2d");
    if (!boundary) { return; }
    var size = boundary.size;
    var cells = document.createElement("canvas");
    cells.width = size;
    cells.height = size;
    var cellContext = cells.getContext("2d");
    var image = cellContext.createImageData(size, size);
    for (var i = 0; i < size * size; i++) {
      var p = boundary.p[i];  // P(y = 1): blue (0) to white (0.5) to orange (1)
      var blue = [59, 130, 246], orange = [249, 115, 22], white = [255, 255, 255];
      var far = p < 0.5 ? blue : orange;
      var t = Math.abs(p - 0.5) * 2 * 0.6;
      for (var c = 0; c < 3; c++) { image.data[4 * i + c] = white[c] + (far[c] - white[c]) * t; }
      image.data[4 * i + 3] = 255;
    }
    cellContext.putImageData(image, 0, 0);
    context.imageSmoothingEnabled = true;
    context.drawImage(cells, 0, 0, canvas.width, canvas.height);
    points.forEach(function (point, index) {
      var at = toCanvas(canvas, point[0], point[1]);
      context.beginPath();
      context.arc(at[0], at[1], index === selected ? 7 : 4, 0, 2 * Math.PI);
      context.fillStyle = point[2] === 1 ? "#c2410c" : "#1d4ed8";
      context.fill();
      context.lineWidth = index === selected ? 3 : 1;
      context.strokeStyle = index === selected ? "#111827" : "#ffffff";
      context.stroke();
    });
  }

  function drawCosts() {
    var canvas = byId("costs");
    var context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = "#4b5563";
    context.font = "12px system-ui, sans-serif";
    if (costs.length < 2) { context.fillText("press Start or Step", 10, 20); return; }
    var top = Math.max.apply(null, costs), low = Math.min.apply(null, costs);
    var left = 50, bottom = canvas.height - 20, width = canvas.width - left - 10, height = bottom - 10;
    context.strokeStyle = "#d1d5db";
    context.strokeRect(left, 10, width, height);
    context.fillText(top.toFixed(3), 2, 18);
    context.fillText(low.toFixed(3), 2, bottom);
    context.fillText("iteration " + (costs.length - 1), left + width - 90, canvas.height - 4);
    context.beginPath();
    costs.forEach(function (cost, i) {
      var x = left + i / (costs.length - 1) * width;
      var y = bottom - (top === low ? 0.5 : (cost - low) / (top - low)) * height;
      if (i === 0) { context.moveTo(x, y); } else { context.lineTo(x, y); }
    });
    context.strokeStyle = "#b91c1c";
    context.lineWidth = 2;
    context.stroke();
  }

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
    // The nearest sample to the click, in canvas pixels.
    if (!boundary || !points.length) { return; }
    var canvas = byId("boundary");
    var box = canvas.getBoundingClientRect();
    var x = (event.clientX - box.left) * canvas.width / box.width;
    var y = (event.clientY - box.top) * canvas.height / box.height;
    var best = 0, bestDistance = Infinity;
    points.forEach(function (point, index) {
      var at = toCanvas(canvas, point[0], point[1]);
      var d = (at[0] - x) * (at[0] - x) + (at[1] - y) * (at[1] - y);
      if (d < bestDistance) { best = index; bestDistance = d; }
    });
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
