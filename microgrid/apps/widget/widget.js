// The notebook widget's view (anywidget). Python joins microgrid/apps/explorer/static/graphview.js
// (microgridView: the picture, its numbers, pan and zoom; shared with the explorer's page),
// exerciseview.js (the exercise panel, shared with the page's Exercises tab) and this file
// into one ES module. Every number comes from the kernel's engine.

var make = microgridView.make, button = microgridView.button;  // graphview.js

function render({ model, el }) {
  var view = microgridView;
  var root = make("div", "mg-widget");
  root.tabIndex = 0;
  // JupyterLab's own shortcuts (arrows move between cells) stay out of the widget.
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.setAttribute("data-p-suppress-shortcuts", "true");
  el.appendChild(root);

  var state = {
    values: Object.assign({}, model.get("values")),
    ranges: {},
    pending: false,   // values sent, their numbers not back yet
    dirty: false,     // changed again meanwhile: send once more when they are
    changedAt: 0,
    playing: null,
    pictureOf: "",
    step: model.get("step"),
    showLocal: model.get("show_local")
  };

  // -- the tabs ---------------------------------------------------------------------------
  var tabs = make("div", "mg-tabs");
  var graphTab = button("Graph", "the live graph", function () { model.set("mode", "graph"); model.save_changes(); });
  var exerciseTab = button("Exercises", "predict, then let the engine judge", function () {
    model.set("mode", "exercise"); model.save_changes();
  });
  tabs.append(graphTab, exerciseTab);
  root.appendChild(tabs);

  // -- the graph panel --------------------------------------------------------------------
  var graphPanel = make("div", "mg-panel mg-graph-panel");
  var side = make("div", "mg-side");
  var result = make("p", "mg-result");
  var rootName = make("span", "mg-root-name", "J");
  var rootValue = make("output", "mg-root-value", "…");
  result.append(rootName, " = ", rootValue);
  var leaves = make("div", "mg-leaves");
  var stepper = make("fieldset", "mg-stepper");
  stepper.appendChild(make("legend", "", "Backprop, one node at a time (← →)"));
  var stepRow = make("div", "mg-row");
  var first = button("All", "the finished graph (Home)", function () { stop(); goTo(0); });
  var back = button("◀ Back", "previous step (←)", function () { stop(); goTo(state.step - 1); });
  var next = button("Step ▶", "next step (→)", function () { stop(); goTo(state.step + 1); });
  var play = button("Play", "step by itself", togglePlay);
  stepRow.append(first, back, next, play);
  var counter = make("p", "mg-step-counter");
  var stepLine = make("p", "mg-formula mg-step-line");
  var stepTerms = make("ul", "mg-formula mg-step-terms");
  stepper.append(stepRow, counter, stepLine, stepTerms);
  var localLabel = make("label", "mg-check");
  var localBox = make("input");
  localBox.type = "checkbox";
  localBox.checked = model.get("show_local");
  localBox.addEventListener("change", function () { state.showLocal = localBox.checked; changed(); });
  localLabel.append(localBox, " ∂child/∂parent and the delta flowing on each edge");
  var status = make("p", "mg-hint mg-status");
  var error = make("p", "mg-error");
  error.hidden = true;
  // The layer view (graphview.js's controls, shared with the page): the kernel redraws.
  var layerControls = view.layerControls(function (layers, expand) {
    root.setAttribute("data-state", "loading");
    model.set("layers", layers);
    model.set("expand", expand);
    model.save_changes();
  });
  side.append(result, error, leaves, stepper, localLabel, layerControls.element, status);

  var picture = make("div", "mg-picture");
  var zoomBar = make("div", "mg-row mg-zoom");
  var viewport = make("div", "mg-viewport");
  var panZoom = view.panZoom(viewport);
  zoomBar.append(
    button("+", "zoom in (or the mouse wheel)", function () { panZoom.zoom(1.25); }),
    button("−", "zoom out", function () { panZoom.zoom(0.8); }),
    button("fit", "the whole graph (or double-click)", function () { panZoom.fit(); }),
    make("span", "mg-hint", "drag to pan")
  );
  var table = make("table", "mg-nodes");
  var head = make("tr");
  ["node", "formula", "value", "delta"].forEach(function (text) { head.appendChild(make("th", "", text)); });
  var thead = make("thead");
  thead.appendChild(head);
  var tbody = make("tbody");
  table.append(thead, tbody);
  picture.append(zoomBar, viewport, table);
  graphPanel.append(side, picture);
  root.appendChild(graphPanel);

  // -- the exercise panel: exerciseview.js's, shared with the explorer's Exercises page -------
  var exercisePanel = make("div", "mg-panel mg-exercise-panel");
  var exerciseView = microgridExerciseView.panel(root, exercisePanel, function (action, body) {
    model.send(action === "answer" ? { type: "answer", text: body.text } : { type: action });
  });
  root.appendChild(exercisePanel);

  // -- numbers from the kernel ----------------------------------------------------------------
  // One message per change (values, step, the check box); the kernel answers with
  // `numbers`, then draws the picture when asked.
  function sendValues() {
    if (state.pending) { state.dirty = true; return; }
    state.pending = true;
    state.dirty = false;
    root.setAttribute("data-state", "loading");
    model.send({ type: "update", values: Object.assign({}, state.values), step: state.step,
                 show_local: state.showLocal });
  }

  function changed() {
    state.changedAt = performance.now();
    sendValues();
  }

  function showNumbers() {
    var numbers = model.get("numbers");
    var message = (numbers && numbers.error) || "";
    error.hidden = !message;
    error.textContent = message;
    if (!numbers || !numbers.nodes) { return; }
    var step = numbers.step;
    if (!state.dirty) {
      // The kernel's state is the truth (Python may have set w.step or w.values), unless
      // the learner changed something since this answer was asked for.
      state.step = step;
      numbers.leaves.forEach(function (leaf) { state.values[leaf.name] = leaf.value; });
    }
    root.setAttribute("data-compute-ms", String(numbers.compute_ms));
    var isKnown = view.known(numbers, step);
    rootName.textContent = numbers.root;
    rootValue.textContent = numbers.value_text;
    var choice = layerControls.show(numbers, model.get("layers"), model.get("expand"));
    if (choice.layers !== model.get("layers") || choice.expand !== model.get("expand")) {
      model.set("layers", choice.layers);
      model.set("expand", choice.expand);
      model.save_changes();
    }
    showLeaves(numbers, isKnown);
    showTable(numbers, isKnown, step);
    var words = view.stepText(numbers, step);
    counter.textContent = words.counter;
    stepLine.textContent = words.line;
    stepTerms.replaceChildren.apply(stepTerms, words.terms.map(function (t) { return make("li", "", t); }));
    back.disabled = step === 0;
    next.disabled = step === numbers.steps.length;
    root.setAttribute("data-step", String(step));
    root.setAttribute("data-steps", String(numbers.steps.length));
    var boxes = model.get("layers") && !model.get("expand");  // redrawn, not patched
    if (!boxes && state.pictureOf === view.structure(numbers)) {
      view.patchPicture(viewport, numbers, isKnown);
      viewport.classList.add("mg-updating");
    }
  }

  model.on("change:numbers", function () {
    state.pending = false;
    showNumbers();
    if (state.changedAt) {
      var took = performance.now() - state.changedAt;
      root.setAttribute("data-latency-ms", took.toFixed(1));
      status.textContent = "numbers updated " + took.toFixed(0) + " ms after the change";
    }
    if (state.dirty) { sendValues(); return; }
    root.setAttribute("data-state", "numbers");
    model.send({ type: "picture" });  // the layout (a dot call) after the numbers
  });

  function showPicture() {
    var svg = model.get("svg");
    if (!svg) { return; }
    panZoom.show(svg, true);
    root.setAttribute("data-picture-layers", model.get("layers") ? String(model.get("expand")) : "off");
    var numbers = model.get("numbers");
    state.pictureOf = numbers && numbers.nodes ? view.structure(numbers) : "";
    viewport.classList.remove("mg-updating");
    if (!state.pending) { root.setAttribute("data-state", "ready"); }
  }
  model.on("change:svg", showPicture);
  model.on("change:nudges", function () {
    var numbers = model.get("numbers");
    if (!numbers || !numbers.leaves) { return; }
    var rows = leaves.querySelectorAll(".mg-leaf");
    var isKnown = view.known(numbers, numbers.step);
    numbers.leaves.forEach(function (leaf, i) {
      if (rows[i]) { showNudge(rows[i], numbers.root, leaf.name, numbers, Boolean(isKnown[leaf.id])); }
    });
  });

  function showLeaves(numbers, isKnown) {
    var rows = leaves.querySelectorAll(".mg-leaf");
    var same = rows.length === numbers.leaves.length;
    numbers.leaves.forEach(function (leaf, i) {
      if (same && rows[i].getAttribute("data-name") !== leaf.name) { same = false; }
    });
    if (!same) {
      leaves.replaceChildren.apply(leaves, numbers.leaves.map(leafControl));
      rows = leaves.querySelectorAll(".mg-leaf");
    }
    var byId = {};
    numbers.nodes.forEach(function (node) { byId[node.id] = node; });
    numbers.leaves.forEach(function (leaf, i) {
      var row = rows[i];
      var number = row.querySelector("input[type=number]");
      var slider = row.querySelector("input[type=range]");
      if (document.activeElement !== number) { number.value = String(leaf.value); }
      var range = view.sliderRange(state.ranges, leaf.name, leaf.value);
      slider.min = String(range[0]);
      slider.max = String(range[1]);
      slider.step = String((range[1] - range[0]) / 200);
      if (document.activeElement !== slider) { slider.value = String(leaf.value); }
      row.querySelector(".mg-delta-name").textContent = "d" + numbers.root + "/d" + leaf.name + " = ";
      row.querySelector(".mg-delta").textContent = isKnown[leaf.id] ? byId[leaf.id].delta_text : "?";
      showNudge(row, numbers.root, leaf.name, numbers, Boolean(isKnown[leaf.id]));
    });
  }

  // The nudges come with the picture (after the numbers): until then the old line, faded.
  // While stepping, a leaf whose delta is still "?" shows no numbers (graphview.js).
  function showNudge(row, rootName, name, numbers, known) {
    var nudges = model.get("nudges") || {};
    var nudge = (nudges.leaves || {})[name];
    var line = row.querySelector(".mg-nudge");
    var stale = numbers.leaves.some(function (leaf) {
      return !nudges.values || nudges.values[leaf.name] !== leaf.value;
    });
    line.classList.toggle("mg-stale", stale);
    if (nudge || !known) {
      line.textContent = view.nudgeText(rootName, Object.assign({ name: name }, nudge), known);
    }
  }

  function leafControl(leaf) {
    var row = make("div", "mg-leaf");
    row.setAttribute("data-name", leaf.name);
    var line = make("div", "mg-row");
    var number = make("input");
    number.type = "number";
    number.step = "any";
    number.setAttribute("aria-label", "the value of " + leaf.name);
    var slider = make("input");
    slider.type = "range";
    slider.setAttribute("aria-label", "slide the value of " + leaf.name);
    line.append(make("span", "mg-name", leaf.name + " ="), number, slider);
    var deltaLine = make("div");
    deltaLine.append(make("span", "mg-delta-name"), make("span", "mg-delta"));
    row.append(line, deltaLine, make("p", "mg-nudge"));
    function set(text, fromSlider) {
      if (text === "" || text === "-" || text === ".") { return; }  // half-typed: wait
      var value = Number(text);
      if (!isFinite(value)) { return; }
      state.values[leaf.name] = value;
      if (fromSlider) { number.value = text; }
      changed();
    }
    number.addEventListener("input", function () { set(number.value, false); });
    slider.addEventListener("input", function () { set(slider.value, true); });
    return row;
  }

  function showTable(numbers, isKnown, step) {
    var current = step ? numbers.steps[step - 1].id : null;
    tbody.replaceChildren.apply(tbody, numbers.nodes.map(function (node) {
      var row = make("tr");
      row.setAttribute("data-id", node.id);
      if (node.id === current) { row.className = "mg-current"; }
      [[node.name, ""], [node.formula, "mg-formula"], [node.value_text, "mg-number"],
       [isKnown[node.id] ? node.delta_text : "?", "mg-number mg-delta"]].forEach(function (cell) {
        row.appendChild(make("td", cell[1], cell[0]));
      });
      return row;
    }));
  }

  // -- stepping -----------------------------------------------------------------------------
  function goTo(step) {
    var numbers = model.get("numbers");
    if (!numbers || !numbers.steps) { return; }
    var total = numbers.steps.length;
    step = Math.max(0, Math.min(step, total));
    if (step === total) { stop(); }
    state.step = step;
    changed();
  }
  function stop() {
    if (state.playing) { clearInterval(state.playing); state.playing = null; }
    play.textContent = "Play";
  }
  function togglePlay() {
    if (state.playing) { stop(); return; }
    var numbers = model.get("numbers");
    if (!numbers || !numbers.steps) { return; }
    if (state.step === numbers.steps.length) { state.step = 0; }
    play.textContent = "Pause";
    goTo(state.step + 1);
    state.playing = setInterval(function () { goTo(state.step + 1); }, 1200);
  }
  root.addEventListener("keydown", function (event) {
    if (model.get("mode") !== "graph") { return; }
    var tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") { return; }  // sliders use arrows
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var numbers = model.get("numbers");
    var total = numbers && numbers.steps ? numbers.steps.length : 0;
    var moves = { ArrowRight: 1, ArrowLeft: -1 };
    if (event.key in moves) { stop(); goTo(state.step + moves[event.key]); }
    else if (event.key === "Home") { stop(); goTo(0); }
    else if (event.key === "End") { stop(); goTo(total); }
    else { return; }
    event.preventDefault();
  });
  // Keys typed in the widget are the widget's: the notebook's shortcuts (a, b, d d, Enter…)
  // must not act on cells while a learner types a number.
  root.addEventListener("keydown", function (event) { event.stopPropagation(); });

  // -- exercises ----------------------------------------------------------------------------
  model.on("change:exercise", function () { exerciseView.show(model.get("exercise")); });
  model.on("change:exercise_svg", function () { exerciseView.showPicture(model.get("exercise_svg")); });

  function showMode() {
    var mode = model.get("mode");
    var hasGraph = model.get("has_graph");
    graphTab.hidden = !hasGraph;
    graphPanel.hidden = mode !== "graph";
    exercisePanel.hidden = mode !== "exercise";
    graphTab.classList.toggle("mg-active", mode === "graph");
    exerciseTab.classList.toggle("mg-active", mode === "exercise");
    root.setAttribute("data-mode", mode);
  }
  model.on("change:mode", showMode);

  showMode();
  showNumbers();
  showPicture();
  exerciseView.show(model.get("exercise"));
  exerciseView.showPicture(model.get("exercise_svg"));
  root.setAttribute("data-state", "ready");
  return function () { stop(); };
}

export default { render };
