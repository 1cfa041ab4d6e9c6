"""The flip-book's web page: HTML around the frames, its style and its script.

Kept apart from `microgrid.show.render` (which draws the frames) because it is
not Python a learner needs to read; ``{title}``, ``{total}``, ``{frames}``,
``{style}`` and ``{script}`` are filled in by `render.flipbook_html`.
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<nav>
<button type="button" id="prev" aria-label="previous step">&#8592; previous</button>
<span id="counter" aria-live="polite">{total} steps</span>
<button type="button" id="next" aria-label="next step">next &#8594;</button>
</nav>
<p class="hint">The arrow keys &#8592; &#8594; turn the pages too; the address ends in
#step=N, so a step can be linked. Backprop starts at the root (its delta is 1) and
computes each node's delta once every node that uses it is done.</p>
</header>
<main>
{frames}
</main>
<script>{script}</script>
</body>
</html>
"""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #111827; }
h1 { font-size: 1.3rem; }
h2 { font-size: 1.05rem; font-weight: 600; }
nav { display: flex; gap: 1rem; align-items: center; }
button { font-size: 1rem; padding: 0.3rem 0.9rem; }
.hint { color: #4b5563; font-size: 0.9rem; max-width: 50rem; }
section.frame svg { max-width: 100%; height: auto; }
section.frame { border-top: 1px solid #e5e7eb; padding-top: 0.5rem; }
"""

# Without JavaScript every frame stays visible, one under the other.
SCRIPT = """
(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll("section.frame"));
  var total = frames.length;
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var counter = document.getElementById("counter");
  var current = 1;
  function clamp(n) { return Math.min(Math.max(n, 1), total); }
  function fromHash() {
    var match = /step=(\\d+)/.exec(window.location.hash);
    return clamp(match ? parseInt(match[1], 10) : 1);
  }
  function show(n, writeHash) {
    current = clamp(n);
    frames.forEach(function (frame, index) {
      var active = index + 1 === current;
      frame.hidden = !active;
      frame.classList.toggle("active", active);
    });
    counter.textContent = "step " + current + " of " + total;
    prev.disabled = current === 1;
    next.disabled = current === total;
    document.body.setAttribute("data-step", String(current));
    if (writeHash && window.location.hash !== "#step=" + current) {
      try {
        window.history.replaceState(null, "", "#step=" + current);
      } catch (error) {
        window.location.hash = "step=" + current;
      }
    }
  }
  prev.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () { show(current + 1, true); });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "ArrowLeft") { show(current - 1, true); event.preventDefault(); }
    else if (event.key === "ArrowRight") { show(current + 1, true); event.preventDefault(); }
    else if (event.key === "Home") { show(1, true); event.preventDefault(); }
    else if (event.key === "End") { show(total, true); event.preventDefault(); }
  });
  window.addEventListener("hashchange", function () { show(fromHash(), false); });
  show(fromHash(), false);
})();
"""
