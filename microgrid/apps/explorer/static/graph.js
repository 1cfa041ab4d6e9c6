// The graph page: leaves as sliders, values and deltas from the server, backprop step by step.
// Every number shown comes from the engine (POST /api/graph); this file only displays them.
(function () {
  "use strict";
  var api = window.microgrid.api;
  var view = window.microgridView;  // graphview.js: shared with the notebook widget
  var byId = function (id) { return document.getElementById(id); };

  var state = {
    expression: "",
    graph: null,       // the id of a graph handed over by explore(J), or null
    values: {},        // leaf name -> number
    ranges: {},        // leaf name -> [min, max] of its slider
    step: 0,           // 0: the finished graph; k: backprop's step k (1 = the root)
    answer: null,      // the last numbers from the server
    playing: null,     // the timer of Play
    layers: false,     // the layer view: one box per layer (for a network)
    expand: 0,         // the layer opened into its scalar nodes (0: none)
    changedAt: 0       // when the learner last changed something (for the latency figure)
  };

  function request(withPicture) {
    var body = {
      values: state.values,
      show_local: byId("show-local").checked,
      step: state.step,
      svg: withPicture,
      // gradcheck() replays the graph twice per leaf: only when its box is open, and
      // with the picture (after the numbers).
      gradcheck: withPicture && byId("gradcheck-box").open,
      layers: state.layers,
      expand: state.expand
    };
    if (state.graph) { body.graph = state.graph; } else { body.expression = state.expression; }
    return api("POST", "/api/graph", body);
  }

  // Numbers first (fast), then the picture (a dot call): J and the deltas never
  // wait for the layout.
  var updateNumbers = window.microgrid.coalesced(function () {
    var started = state.changedAt;
    return request(false).then(function (answer) {
      showError(null);
      showNumbers(answer);
      var took = performance.now() - started;
      document.body.setAttribute("data-latency-ms", took.toFixed(1));
      byId("status").textContent = "numbers updated " + took.toFixed(0) + " ms after the change";
      updatePicture();
    }, function (error) {
      showError(error);
    });
  });

  var updatePicture = window.microgrid.coalesced(function () {
    var shown = state.layers ? String(state.expand) : "off";
    return request(true).then(function (answer) {
      view.showSvg(byId("graph"), answer.svg);
      if (answer.gradcheck) {
        byId("gradcheck").textContent = answer.gradcheck.text;
        document.body.setAttribute("data-gradcheck", answer.gradcheck.ok ? "ok" : "failed");
      }
      document.body.setAttribute("data-picture-layers", shown);
      state.pictureOf = view.structure(answer);
      byId("graph").classList.remove("updating");
      document.body.setAttribute("data-picture-step", String(answer.step));
      document.body.setAttribute("data-state", "ready");
    }, function (error) {
      showError(error);
    });
  });

  function changed() {
    state.changedAt = performance.now();
    document.body.setAttribute("data-state", "loading");
    updateNumbers();
  }

  // -- errors -----------------------------------------------------------------

  function showError(error) {
    var box = byId("error");
    if (!error) { box.hidden = true; return; }
    box.hidden = false;
    byId("error-message").textContent = error.message;
    var details = error.details || {};
    var pointer = "";
    if (typeof details.column === "number" && !state.graph) {
      var text = state.expression.replace(/[\n\t]/g, " ");
      pointer = text + "\n" + " ".repeat(details.column) + "^".repeat(details.length || 1);
    }
    byId("error-pointer").textContent = pointer;
    document.body.setAttribute("data-state", "error");
  }

  // -- the numbers --------------------------------------------------------------

  function known(answer) {
    return view.known(answer, state.step);
  }

  var layerControls = view.layerControls(function (layers, expand) {
    state.layers = layers;
    state.expand = expand;
    document.body.setAttribute("data-state", "loading");
    updatePicture();
  });
  byId("layer-controls").appendChild(layerControls.element);

  function showNumbers(answer) {
    state.answer = answer;
    var choice = layerControls.show(answer, state.layers, state.expand);
    state.layers = choice.layers;
    state.expand = choice.expand;
    document.body.setAttribute("data-layers", state.layers ? String(state.expand) : "off");
    if (state.step > answer.steps.length) { state.step = answer.steps.length; }
    var isKnown = known(answer);
    byId("root-name").textContent = answer.root;
    byId("root-value").textContent = answer.value_text;
    byId("delta-heading").textContent = "d" + answer.root + "/dnode";
    showLeaves(answer, isKnown);
    showNodes(answer, isKnown);
    showStep(answer);
    byId("explain").textContent = answer.explain;
    patchPicture(answer, isKnown);
  }

  // -- the picture between two layouts -------------------------------------------

  // Until dot's new layout arrives, the new numbers are written into the old picture
  // (graphview.js); the edge labels fade until the redraw.
  function patchPicture(answer, isKnown) {
    var container = byId("graph");
    if (state.pictureOf !== view.structure(answer)) { return; }
    if (state.layers && !state.expand) { return; }  // the boxes' numbers wait for the redraw
    view.patchPicture(container, answer, isKnown);
    container.classList.add("updating");
  }

  function showLeaves(answer, isKnown) {
    var container = byId("leaves");
    var values = {};
    var rows = container.querySelectorAll(".leaf");
    var sameLeaves = rows.length === answer.leaves.length;
    answer.leaves.forEach(function (leaf, index) {
      // An infinite constant (1e999) comes as null with its text: it has no slider.
      if (leaf.value !== null) { values[leaf.name] = leaf.value; }
      if (sameLeaves && rows[index].getAttribute("data-name") !== leaf.name) { sameLeaves = false; }
    });
    state.values = values;
    if (!sameLeaves) {
      container.replaceChildren();
      answer.leaves.forEach(function (leaf) { container.appendChild(leafControl(leaf)); });
      rows = container.querySelectorAll(".leaf");
    }
    answer.leaves.forEach(function (leaf, index) {
      var row = rows[index];
      var number = row.querySelector("input[type=number]");
      var slider = row.querySelector("input[type=range]");
      var finite = leaf.value !== null;
      number.disabled = slider.disabled = !finite;
      if (!finite) {
        number.value = "";
        number.placeholder = leaf.value_text;  // "inf": shown, not editable
      } else {
        if (document.activeElement !== number) { number.value = String(leaf.value); }
        var range = view.sliderRange(state.ranges, leaf.name, leaf.value);
        slider.min = String(range[0]);
        slider.max = String(range[1]);
        slider.step = String((range[1] - range[0]) / 200);
        if (document.activeElement !== slider) { slider.value = String(leaf.value); }
      }
      var node = answer.nodes.filter(function (n) { return n.id === leaf.id; })[0];
      row.querySelector(".delta").textContent = isKnown[leaf.id] ? node.delta_text : "?";
      row.querySelector(".delta-name").textContent = "d" + answer.root + "/d" + leaf.name + " = ";
      row.querySelector(".nudge").textContent =
        view.nudgeText(answer.root, leaf, Boolean(isKnown[leaf.id]));
    });
  }

  function leafControl(leaf) {
    // Built with textContent only: a label is data, never markup.
    var row = document.createElement("div");
    row.className = "leaf";
    row.setAttribute("data-name", leaf.name);
    var line = document.createElement("div");
    line.className = "row";
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = leaf.name + " =";
    var number = document.createElement("input");
    number.type = "number";
    number.step = "any";
    number.setAttribute("aria-label", "the value of " + leaf.name);
    var slider = document.createElement("input");
    slider.type = "range";
    slider.setAttribute("aria-label", "slide the value of " + leaf.name);
    var deltaName = document.createElement("span");
    deltaName.className = "delta-name";
    var delta = document.createElement("span");
    delta.className = "delta";
    line.append(name, number, slider);
    var deltaLine = document.createElement("div");
    deltaLine.append(deltaName, delta);
    var nudge = document.createElement("p");
    nudge.className = "nudge";
    row.append(line, deltaLine, nudge);
    function set(text, fromSlider) {
      var value = Number(text);
      if (text === "" || text === "-" || text === ".") { return; }  // half-typed: wait
      if (!isFinite(value)) {
        var error = new Error("the value of " + leaf.name + " must be a finite number, got " + text);
        showError(error);
        return;
      }
      state.values[leaf.name] = value;
      if (fromSlider) { number.value = text; }
      changed();
    }
    number.addEventListener("input", function () {
      if (number.value === "" && number.validity.badInput) {
        showError(new Error("the value of " + leaf.name + " must be a finite number"));
        return;
      }
      set(number.value, false);
    });
    slider.addEventListener("input", function () { set(slider.value, true); });
    return row;
  }

  function showNodes(answer, isKnown) {
    var body = byId("nodes").querySelector("tbody");
    body.replaceChildren();
    var current = state.step ? answer.steps[state.step - 1].id : null;
    answer.nodes.forEach(function (node) {
      var row = document.createElement("tr");
      row.setAttribute("data-id", node.id);
      if (isKnown[node.id]) { row.classList.add("known"); }
      if (node.id === current) { row.classList.add("current"); }
      var cells = [
        [node.name, ""], [node.formula, "formula"], [node.value_text, "number"],
        [isKnown[node.id] ? node.delta_text : "?", "number delta"]
      ];
      cells.forEach(function (cell) {
        var td = document.createElement("td");
        td.textContent = cell[0];
        if (cell[1]) { td.className = cell[1]; }
        row.appendChild(td);
      });
      body.appendChild(row);
    });
  }

  // -- stepping -----------------------------------------------------------------

  function showStep(answer) {
    var total = answer.steps.length;
    var words = view.stepText(answer, state.step);
    document.body.setAttribute("data-step", String(state.step));
    document.body.setAttribute("data-steps", String(total));
    byId("step-counter").textContent = words.counter;
    byId("step-line").textContent = words.line;
    byId("step-terms").replaceChildren.apply(byId("step-terms"), words.terms.map(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      return item;
    }));
    byId("step-back").disabled = state.step === 0;
    byId("step-next").disabled = state.step === total;
  }

  function goTo(step) {
    if (!state.answer) { return; }
    var total = state.answer.steps.length;
    state.step = Math.max(0, Math.min(step, total));
    if (state.step === total) { stopPlaying(); }
    changed();
  }

  function stopPlaying() {
    if (state.playing) { clearInterval(state.playing); state.playing = null; }
    byId("step-play").textContent = "Play";
  }

  function togglePlay() {
    if (state.playing) { stopPlaying(); return; }
    if (!state.answer) { return; }
    if (state.step === state.answer.steps.length) { state.step = 0; }
    byId("step-play").textContent = "Pause";
    goTo(state.step + 1);
    state.playing = setInterval(function () { goTo(state.step + 1); }, 1200);
  }

  byId("step-next").addEventListener("click", function () { stopPlaying(); goTo(state.step + 1); });
  byId("step-back").addEventListener("click", function () { stopPlaying(); goTo(state.step - 1); });
  byId("step-first").addEventListener("click", function () { stopPlaying(); goTo(0); });
  byId("step-play").addEventListener("click", togglePlay);
  byId("show-local").addEventListener("change", function () { updatePicture(); });
  byId("gradcheck-box").addEventListener("toggle", function () {
    if (byId("gradcheck-box").open) { updatePicture(); }
  });
  document.addEventListener("keydown", function (event) {
    var tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") { return; }  // sliders use arrows
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var moves = { ArrowRight: 1, ArrowLeft: -1 };
    if (event.key in moves) { stopPlaying(); goTo(state.step + moves[event.key]); }
    else if (event.key === "Home") { stopPlaying(); goTo(0); }
    else if (event.key === "End" && state.answer) { stopPlaying(); goTo(state.answer.steps.length); }
    else { return; }
    event.preventDefault();
  });

  // -- the expression -------------------------------------------------------------

  byId("expression-form").addEventListener("submit", function (event) {
    event.preventDefault();
    stopPlaying();
    state.expression = byId("expression").value;
    state.graph = null;
    state.step = 0;
    changed();
  });

  // The course's [2, 4, 1] network (graph_api.NETWORK, a graph every server knows), drawn
  // one box per layer.
  byId("load-network").addEventListener("click", function () {
    stopPlaying();
    state.graph = "network";
    state.values = {};  // its own leaves, at their own values
    state.step = 0;
    state.layers = true;
    state.expand = 0;
    byId("expression").value = "";
    byId("expression").placeholder = "the course's network: move its weights, or type an expression";
    changed();
  });

  // Open on the server's expression, or on the graph from explore(J) (?graph=ID).
  var graphId = new URLSearchParams(window.location.search).get("graph");
  api("GET", "/api/start").then(function (start) {
    if (graphId) {
      state.graph = graphId;
      byId("expression").placeholder = "a graph from Python: move its leaves, or type an expression";
    } else {
      state.expression = start.expression;
      state.values = start.values;
      byId("expression").value = start.expression;
    }
    changed();
  }, showError);
})();
