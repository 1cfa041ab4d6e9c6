// Showing a graph's picture and numbers: shared by the explorer's page (a <script> tag)
// and the notebook widget (microgrid/apps/widget joins this file and widget.js into one
// ES module). Every number comes from the engine; this file only puts it on screen.
var microgridView = (function () {
  "use strict";

  // The SVG is parsed as XML (never as HTML) and its nodes imported: labels are
  // text inside it, already escaped by microgrid's draw(), and nothing in it runs.
  function showSvg(container, svgText) {
    var parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
    var svg = parsed.documentElement;
    if (!svg || svg.nodeName !== "svg" || parsed.getElementsByTagName("parsererror").length) {
      container.textContent = "(the picture could not be read)";
      return null;
    }
    var imported = document.importNode(svg, true);
    container.replaceChildren(imported);
    return imported;
  }

  // The node ids whose delta backprop has computed by `step` (all of them at step 0).
  function known(answer, step) {
    var ids = {};
    var count = step === 0 ? answer.steps.length : step;
    for (var i = 0; i < count; i++) { ids[answer.steps[i].id] = true; }
    return ids;
  }

  // Which nodes a picture shows, so new numbers are written into it only when it fits.
  function structure(answer) {
    return answer.nodes.map(function (node) { return node.id + ":" + node.name; }).join(",");
  }

  // dot takes a few hundred ms to lay out a big graph. Until the new picture arrives,
  // the numbers in the old one are replaced by the new ones (the boxes do not move when
  // only values change). Returns false when the picture is of another graph.
  function patchPicture(container, answer, isKnown) {
    var byNode = {};
    answer.nodes.forEach(function (node) { byNode[node.id] = node; });
    var groups = container.querySelectorAll("g.node");
    var patched = 0;
    groups.forEach(function (group) {
      var title = group.querySelector("title");
      var node = title && byNode[title.textContent];
      if (!node) { return; }
      patched += 1;
      var texts = Array.prototype.slice.call(group.querySelectorAll("text"));
      for (var i = 0; i + 1 < texts.length; i++) {
        var key = texts[i].textContent;
        if (key === "value") {
          texts[i + 1].textContent = node.value_text;
        } else if (key === "delta" || /^d\S*\/d\S*$/.test(key)) {
          texts[i + 1].textContent = isKnown[node.id] ? node.delta_text : "?";
        }
      }
    });
    return patched > 0;
  }

  // A slider's range: twice the value's size around it, widened when the value leaves it.
  function sliderRange(ranges, name, value) {
    var range = ranges[name];
    if (!range || value < range[0] || value > range[1]) {
      var span = Math.max(1, 2 * Math.abs(value));
      range = [value - span, value + span];
      ranges[name] = range;
    }
    return range;
  }

  // The nudge line under a leaf: J before and after leaf + h, the slope beside the delta.
  // While stepping through backprop, a leaf whose delta is still "?" shows no numbers:
  // the slope and the delta would give away the step still to come.
  function nudgeText(root, leaf, known) {
    if (known === false) {
      return "nudge " + leaf.name + ": shown once backprop reaches " + leaf.name;
    }
    if (leaf.nudge_error) { return "nudge: " + leaf.nudge_error; }
    var n = leaf.nudge;
    if (!n) { return ""; }
    var show = function (x) { return x === null ? "not finite" : String(Number(x.toPrecision(8))); };
    return "nudge " + leaf.name + " by h = " + n.h + ": " + root + " " + show(n.before) + " → " +
      show(n.after) + ", slope (" + root + "′ − " + root + ")/h = " + show(n.slope) +
      " beside d" + root + "/d" + leaf.name + " = " + show(n.delta);
  }

  // Backprop's step `step` in words: the counter, explain()'s line, one line per edge term.
  function stepText(answer, step) {
    var total = answer.steps.length;
    if (step === 0) {
      return { counter: "all " + total + " deltas known (Step starts backprop again)",
               line: "", terms: [] };
    }
    var current = answer.steps[step - 1];
    var terms = current.terms.map(function (term) {
      return "from " + term.from + ": " + term.symbols + " = " + term.numbers + " = " + term.flow;
    });
    if (!terms.length) {
      terms = ["the root: d" + current.name + "/d" + current.name + " = 1, where backprop starts"];
    }
    return { counter: "step " + step + " of " + total + ": the delta of " + current.name,
             line: current.line, terms: terms };
  }

  // Pan (drag) and zoom (wheel, or the + − buttons) by moving the SVG's viewBox.
  // `show(svgText, keepView)` puts a new picture in; the view is kept when the new
  // picture has the same size (the same graph, new numbers).
  function panZoom(viewport) {
    var svg = null;
    var base = null;   // the picture's own viewBox: [x, y, w, h]
    var view = null;   // the part shown now
    var drag = null;

    function apply() {
      if (svg && view) { svg.setAttribute("viewBox", view.join(" ")); }
    }
    function fit() { view = base ? base.slice() : null; apply(); }
    function zoom(factor, cx, cy) {
      if (!view) { return; }
      var w = view[2] / factor, h = view[3] / factor;
      var minW = base[2] / 40, maxW = base[2] * 4;  // never lose the picture
      if (w < minW || w > maxW) { return; }
      var fx = cx === undefined ? 0.5 : cx, fy = cy === undefined ? 0.5 : cy;
      view = [view[0] + (view[2] - w) * fx, view[1] + (view[3] - h) * fy, w, h];
      apply();
    }
    function show(svgText, keepView) {
      var old = base;
      svg = showSvg(viewport, svgText);
      if (!svg) { return; }
      var box = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
      if (box.length !== 4 || box.some(isNaN)) {
        box = [0, 0, parseFloat(svg.getAttribute("width")) || 100,
               parseFloat(svg.getAttribute("height")) || 100];
      }
      base = box;
      svg.setAttribute("width", "100%");
      svg.setAttribute("height", "100%");
      svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
      var same = old && Math.abs(old[2] - box[2]) < 1 && Math.abs(old[3] - box[3]) < 1;
      if (keepView && same && view) { apply(); } else { fit(); }
    }
    viewport.addEventListener("wheel", function (event) {
      if (!svg) { return; }
      event.preventDefault();
      var rect = viewport.getBoundingClientRect();
      zoom(Math.exp(-event.deltaY * 0.0015), (event.clientX - rect.left) / rect.width,
           (event.clientY - rect.top) / rect.height);
    }, { passive: false });
    viewport.addEventListener("pointerdown", function (event) {
      if (!view) { return; }
      event.preventDefault();  // a drag pans; it does not select the labels' text
      drag = { x: event.clientX, y: event.clientY, view: view.slice() };
      viewport.setPointerCapture(event.pointerId);
    });
    viewport.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      var rect = viewport.getBoundingClientRect();
      // One screen pixel is this many picture units (the larger scale: "meet").
      var scale = Math.max(drag.view[2] / rect.width, drag.view[3] / rect.height);
      view = [drag.view[0] - (event.clientX - drag.x) * scale,
              drag.view[1] - (event.clientY - drag.y) * scale, drag.view[2], drag.view[3]];
      apply();
    });
    viewport.addEventListener("pointerup", function () { drag = null; });
    viewport.addEventListener("dblclick", fit);
    return { show: show, fit: fit, zoom: zoom, svg: function () { return svg; } };
  }

  // Elements for the controls around the picture (the pages' and the widgets' alike).
  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text !== undefined) { element.textContent = text; }  // labels are data, never markup
    return element;
  }

  function button(text, title, onClick) {
    var b = make("button", "mg-button", text);
    b.type = "button";
    if (title) { b.title = title; }
    b.addEventListener("click", onClick);
    return b;
  }

  // The layer view's controls, for a network (answer.layers lists its layers): a check box
  // for one box per layer, and a choice of the layer to open into its scalar nodes.
  // `onChange(layers, expand)` is called with the new choice (expand 0: none open).
  function layerControls(onChange) {
    var box = make("fieldset", "mg-layers");
    box.appendChild(make("legend", "", "The network, layer by layer"));
    var label = make("label", "mg-check");
    var check = make("input");
    check.type = "checkbox";
    check.className = "mg-layers-check";
    label.append(check, " one box per layer: shapes, the course's formulas, dA between layers");
    var openLabel = make("label", "mg-open");
    var select = make("select", "mg-expand");
    select.setAttribute("aria-label", "the layer to open into its scalar nodes");
    openLabel.append("open ", select);
    box.append(label, openLabel);
    box.hidden = true;
    var names = "";
    function changed() {
      select.disabled = !check.checked;
      onChange(check.checked, check.checked ? Number(select.value) : 0);
    }
    check.addEventListener("change", changed);
    select.addEventListener("change", changed);
    // Show the controls for this answer; returns the choice, reset when it is not a network.
    function show(answer, layers, expand) {
      var found = answer.layers || [];
      box.hidden = found.length === 0;
      if (found.join(",") !== names) {
        names = found.join(",");
        var options = [make("option", "", "no layer (all closed)")];
        options[0].value = "0";
        found.forEach(function (name, index) {
          var option = make("option", "", name + ", as its scalar nodes");
          option.value = String(index + 1);
          options.push(option);
        });
        select.replaceChildren.apply(select, options);
      }
      if (!found.length) { layers = false; expand = 0; }
      if (expand > found.length) { expand = 0; }
      check.checked = layers;
      select.value = String(expand);
      select.disabled = !layers;
      return { layers: layers, expand: expand };
    }
    return { element: box, show: show };
  }

  return { showSvg: showSvg, known: known, structure: structure, patchPicture: patchPicture,
           sliderRange: sliderRange, nudgeText: nudgeText, stepText: stepText, panZoom: panZoom,
           make: make, button: button, layerControls: layerControls };
})();
if (typeof window !== "undefined") { window.microgridView = microgridView; }
