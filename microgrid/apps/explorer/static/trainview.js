// Drawing a training run: the decision boundary with the samples, and the cost curve.
// Shared by the explorer's training page (a <script> tag) and the notebook's training
// widget (microgrid/apps/widget joins this file into its ES module). The numbers (the
// boundary grid, the costs) are the engine's; this file only paints them on a canvas.
var microgridTrainView = (function () {
  "use strict";

  // Where the data point (x, y) falls on the canvas, given the boundary's extent.
  function toCanvas(canvas, boundary, x, y) {
    return [
      (x - boundary.x[0]) / (boundary.x[1] - boundary.x[0]) * canvas.width,
      (boundary.y[1] - y) / (boundary.y[1] - boundary.y[0]) * canvas.height
    ];
  }

  // P(y = 1) on the server's grid (blue 0, white 0.5, orange 1), then the samples;
  // the `selected` one (whose graph is shown) drawn larger.
  function drawBoundary(canvas, boundary, points, selected) {
    var context = canvas.getContext("2d");
    if (!boundary) { return; }
    var size = boundary.size;
    var cells = document.createElement("canvas");
    cells.width = size;
    cells.height = size;
    var cellContext = cells.getContext("2d");
    var image = cellContext.createImageData(size, size);
    var blue = [59, 130, 246], orange = [249, 115, 22], white = [255, 255, 255];
    for (var i = 0; i < size * size; i++) {
      var p = boundary.p[i];
      var far = p < 0.5 ? blue : orange;
      var t = Math.abs(p - 0.5) * 2 * 0.6;
      for (var c = 0; c < 3; c++) { image.data[4 * i + c] = white[c] + (far[c] - white[c]) * t; }
      image.data[4 * i + 3] = 255;
    }
    cellContext.putImageData(image, 0, 0);
    context.imageSmoothingEnabled = true;
    context.drawImage(cells, 0, 0, canvas.width, canvas.height);
    points.forEach(function (point, index) {
      var at = toCanvas(canvas, boundary, point[0], point[1]);
      context.beginPath();
      context.arc(at[0], at[1], index === selected ? 7 : 4, 0, 2 * Math.PI);
      context.fillStyle = point[2] === 1 ? "#c2410c" : "#1d4ed8";
      context.fill();
      context.lineWidth = index === selected ? 3 : 1;
      context.strokeStyle = index === selected ? "#111827" : "#ffffff";
      context.stroke();
    });
  }

  // The cost J against the iteration, scaled to its own highest and lowest values.
  function drawCosts(canvas, costs) {
    var context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = "#4b5563";
    context.font = "12px system-ui, sans-serif";
    if (costs.length < 2) { context.fillText("no steps yet: press Step", 10, 20); return; }
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

  // The index of the sample nearest to a click on the boundary's canvas (-1: none).
  function nearestSample(canvas, boundary, points, event) {
    if (!boundary || !points.length) { return -1; }
    var box = canvas.getBoundingClientRect();
    var x = (event.clientX - box.left) * canvas.width / box.width;
    var y = (event.clientY - box.top) * canvas.height / box.height;
    var best = -1, bestDistance = Infinity;
    points.forEach(function (point, index) {
      var at = toCanvas(canvas, boundary, point[0], point[1]);
      var d = (at[0] - x) * (at[0] - x) + (at[1] - y) * (at[1] - y);
      if (d < bestDistance) { best = index; bestDistance = d; }
    });
    return best;
  }

  // The status line under the controls (the same words on the page and in the widget).
  function statusText(state) {
    var cost = state.cost === null ? "not finite" : state.cost.toFixed(6);
    return "iteration " + state.iteration + " of at most " + state.max_iterations +
      " · cost J = " + cost + " · training accuracy " + (100 * state.accuracy).toFixed(1) +
      " % · " + state.summary;
  }

  // What the sample's graph shows, in a sentence for each model.
  function sampleHint(model) {
    return model === "mlp"
      ? "The deltas of one sample's loss L: dz2[0] = a2[0] − y at the output, and each hidden " +
        "unit's delta comes back through its weight in W2 and tanh′. The cost J averages them over all samples."
      : "dz = a − y, and dw1 = x1 · dz: the deltas of one sample's loss L. The cost J averages " +
        "them over all samples.";
  }

  return { drawBoundary: drawBoundary, drawCosts: drawCosts, nearestSample: nearestSample,
           statusText: statusText, sampleHint: sampleHint };
})();
if (typeof window !== "undefined") { window.microgridTrainView = microgridTrainView; }
