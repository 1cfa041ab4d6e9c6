// The notebook's training widget (anywidget). Python joins the explorer's graphview.js
// (the sample's picture, pan and zoom) and trainview.js (the boundary and the cost curve,
// shared with the training page) and this file into one ES module. The kernel trains;
// this file only sends the buttons and shows the answer (the `training` trait).

var makeElement = microgridView.make, makeButton = microgridView.button;  // graphview.js

function labelled(text, control) {
  var label = makeElement("label", "mg-check", text + " ");
  label.appendChild(control);
  return label;
}

function numberInput(value, min, max, step, label) {
  var input = makeElement("input");
  input.type = "number";
  input.value = String(value);
  input.min = String(min);
  input.max = String(max);
  input.step = String(step);
  input.setAttribute("aria-label", label);
  return input;
}

function render({ model, el }) {
  var graphView = microgridView;
  var view = microgridTrainView;
  var root = makeElement("div", "mg-widget mg-training");
  // JupyterLab's own shortcuts stay out of the widget's number fields.
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.setAttribute("data-p-suppress-shortcuts", "true");
  root.addEventListener("keydown", function (event) { event.stopPropagation(); });
  el.appendChild(root);

  // -- the controls ------------------------------------------------------------------------
  var side = makeElement("div", "mg-side");
  var modelSelect = makeElement("select");
  [["logistic", "logistic regression"], ["mlp", "a 2-H-1 tanh network"]].forEach(function (pair) {
    var option = makeElement("option", "", pair[1]);
    option.value = pair[0];
    modelSelect.appendChild(option);
  });
  var dataSelect = makeElement("select");
  [["toy", "toy: two clouds"], ["planar", "planar: the course's flower"], ["moons", "moons"]].forEach(function (pair) {
    var option = makeElement("option", "", pair[1]);
    option.value = pair[0];
    dataSelect.appendChild(option);
  });
  var hidden = numberInput(4, 1, 8, 1, "hidden units");
  var rate = numberInput(0.1, 0.000001, 100, "any", "the learning rate");
  var count = numberInput(100, 1, 1000, 1, "how many steps Train takes");
  var settingsRow = makeElement("div", "mg-row");
  settingsRow.append(labelled("Model", modelSelect), labelled("Data", dataSelect),
                     labelled("hidden units", hidden), labelled("α", rate));
  var stepButton = makeButton("Step", "one gradient-descent step", function () { send({ type: "step", count: 1 }); });
  var trainButton = makeButton("Train N", "N steps (at most 1,000 a click)", function () {
    send({ type: "step", count: Number(count.value) || 1 });
  });
  var resetButton = makeButton("Reset", "the first parameters again, with these settings", reset);
  var buttons = makeElement("div", "mg-row");
  buttons.append(stepButton, trainButton, labelled("N =", count), resetButton);
  var status = makeElement("p", "mg-hint mg-train-status");
  var error = makeElement("p", "mg-error");
  error.hidden = true;
  var boundaryCanvas = makeElement("canvas", "mg-boundary");
  boundaryCanvas.width = 360;
  boundaryCanvas.height = 360;
  boundaryCanvas.setAttribute("aria-label", "the data and the decision boundary; click a sample to see its graph");
  var costCanvas = makeElement("canvas", "mg-costs");
  costCanvas.width = 360;
  costCanvas.height = 160;
  costCanvas.setAttribute("aria-label", "the cost curve");
  side.append(settingsRow, buttons, status, error, boundaryCanvas,
              makeElement("p", "mg-hint", "P(y = 1) over the plane (orange 1, blue 0); click a sample for its graph."),
              costCanvas, makeElement("p", "mg-hint", "The cost J against the iteration."));

  // -- the sample's graph ------------------------------------------------------------------
  var picture = makeElement("div", "mg-picture");
  var sample = numberInput(0, 0, 0, 1, "the sample whose graph is shown");
  var sampleData = makeElement("span", "mg-hint");
  var sampleRow = makeElement("div", "mg-row");
  sampleRow.append(labelled("Sample", sample), sampleData);
  var viewport = makeElement("div", "mg-viewport");
  var panZoom = graphView.panZoom(viewport);
  var sampleHint = makeElement("p", "mg-hint");
  picture.append(makeElement("p", "mg-ex-title", "One sample's graph after backward"),
                 sampleRow, viewport, sampleHint);

  var panel = makeElement("div", "mg-panel mg-graph-panel");
  panel.append(side, picture);
  root.appendChild(panel);

  // -- talking to the kernel -----------------------------------------------------------------
  function send(message) {
    root.setAttribute("data-state", "busy");
    stepButton.disabled = trainButton.disabled = true;  // one request at a time: Train N may take seconds
    model.send(message);
  }
  function reset() {
    send({ type: "reset", model: modelSelect.value, data: dataSelect.value,
           hidden: Number(hidden.value), learning_rate: Number(rate.value) });
  }
  modelSelect.addEventListener("change", function () {
    // Each model's usual rate: 0.1 for logistic regression, the course's 1.2 for the network.
    rate.value = modelSelect.value === "mlp" ? "1.2" : "0.1";
    reset();
  });
  dataSelect.addEventListener("change", reset);
  hidden.addEventListener("change", reset);
  rate.addEventListener("change", function () { send({ type: "rate", learning_rate: Number(rate.value) }); });
  sample.addEventListener("change", function () { send({ type: "sample", index: Number(sample.value) }); });
  boundaryCanvas.addEventListener("click", function (event) {
    var state = model.get("training");
    var best = view.nearestSample(boundaryCanvas, state.boundary, state.points || [], event);
    if (best >= 0) { sample.value = String(best); send({ type: "sample", index: best }); }
  });

  var shownSvg = "";
  function show() {
    var state = model.get("training");
    var message = model.get("error");
    error.hidden = !message;
    error.textContent = message;
    stepButton.disabled = trainButton.disabled = false;
    if (!state || !state.boundary) { return; }
    if (state.message) { error.hidden = false; error.textContent = state.message; }
    modelSelect.value = state.model;
    dataSelect.value = state.dataset;
    hidden.value = String(state.hidden);
    hidden.disabled = state.model !== "mlp";
    if (document.activeElement !== rate) { rate.value = String(state.learning_rate); }
    status.textContent = view.statusText(state);
    view.drawBoundary(boundaryCanvas, state.boundary, state.points || [], state.sample);
    view.drawCosts(costCanvas, state.costs);
    var graph = state.sample_graph;
    sample.max = String((state.points || []).length - 1);
    if (document.activeElement !== sample) { sample.value = String(state.sample); }
    if (graph) {
      sampleData.textContent = "x1 = " + graph.x[0].toFixed(3) + ", x2 = " + graph.x[1].toFixed(3) +
        ", y = " + graph.y + " (at iteration " + graph.iteration + ")";
      if (graph.svg && graph.svg !== shownSvg) {
        panZoom.show(graph.svg, true);  // the same layout keeps the learner's zoom
        shownSvg = graph.svg;
      } else if (!graph.svg) {
        viewport.textContent = graph.error;
        shownSvg = "";
      }
    }
    sampleHint.textContent = view.sampleHint(state.model);
    root.setAttribute("data-iteration", String(state.iteration));
    root.setAttribute("data-costs", String(state.costs.length));
    root.setAttribute("data-cost", String(state.cost));
    root.setAttribute("data-sample", String(state.sample));
    root.setAttribute("data-state", "ready");
  }
  model.on("change:training", show);
  model.on("change:error", show);
  show();
}

export default { render };
