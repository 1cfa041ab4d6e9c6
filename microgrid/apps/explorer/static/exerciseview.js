// One exercise on screen: the question, an answer box, the engine's verdict, Reveal, Again,
// Next, the progress and the graph. Shared by the explorer's Exercises page (a <script>
// tag) and the notebook widget (joined into its ES module after graphview.js). The engine
// grades in Python; this file shows the answer and says which button was pressed.
var microgridExerciseView = (function () {
  "use strict";
  var make = microgridView.make, button = microgridView.button;  // graphview.js

  // Builds the panel into `panel`. `send(action, body)` asks Python: action is "answer"
  // (body {text}), "reveal", "again" or "next". `root` carries data-verdict ("waiting",
  // "right", "wrong", "error", "none") and data-exercise ("5/0": number/seed) for tests.
  // Returns show(state, svg): state is ExerciseSession.state() (exercise_api.py).
  function panel(root, panelElement, send) {
    var progress = make("p", "mg-progress");
    var title = make("p", "mg-ex-title");
    var question = make("p", "mg-question");
    var hint = make("p", "mg-hint");
    var form = make("form", "mg-row");
    var answer = make("input", "mg-answer");
    answer.setAttribute("aria-label", "your answer");
    answer.autocomplete = "off";
    var check = make("button", "mg-button", "Check");
    check.type = "submit";
    form.append(answer, check);
    function submit() {
      root.setAttribute("data-verdict", "waiting");
      send("answer", { text: answer.value });
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
    // A notebook takes Enter for itself before a form sees it: answer on Enter here.
    answer.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); submit(); }
    });
    var verdict = make("div", "mg-verdict");
    var revealed = make("pre", "mg-reveal");
    var moves = make("div", "mg-row");
    moves.append(
      button("Reveal", "show the engine's answer", function () { send("reveal"); }),
      button("Again", "the same question with other numbers", function () { send("again"); }),
      button("Next ▶", "the next exercise", function () { send("next"); })
    );
    var viewport = make("div", "mg-viewport mg-exercise-picture");
    var panZoom = microgridView.panZoom(viewport);
    panelElement.append(progress, title, question, hint, form, verdict, revealed, moves, viewport);

    function showPicture(svg) {
      viewport.hidden = !svg;
      if (svg) { panZoom.show(svg, false); } else { viewport.replaceChildren(); }
    }

    function show(ex) {
      if (!ex || !ex.number) { return; }
      progress.textContent = "Exercise " + ex.number + " of " + ex.count + " · " + ex.progress;
      title.textContent = "Chapter " + ex.chapter + ": " + ex.title +
        (ex.seed ? " (variant " + ex.seed + ")" : "");
      question.textContent = ex.question;
      hint.textContent = ex.hint;
      if (root.getAttribute("data-exercise") !== ex.number + "/" + ex.seed) {
        answer.value = "";
        root.setAttribute("data-exercise", ex.number + "/" + ex.seed);
      }
      verdict.replaceChildren();
      verdict.className = "mg-verdict";
      if (ex.error) {
        verdict.className = "mg-verdict mg-wrong";
        verdict.appendChild(make("p", "", ex.error));
        root.setAttribute("data-verdict", "error");
      } else if (ex.verdict) {
        verdict.className = "mg-verdict " + (ex.verdict.right ? "mg-right" : "mg-wrong");
        ex.verdict.lines.forEach(function (line) { verdict.appendChild(make("p", "", line)); });
        root.setAttribute("data-verdict", ex.verdict.right ? "right" : "wrong");
      } else {
        root.setAttribute("data-verdict", "none");
      }
      revealed.textContent = ex.verdict ? "" : ex.reveal;
    }

    return { show: show, showPicture: showPicture };
  }

  return { panel: panel };
})();
if (typeof window !== "undefined") { window.microgridExerciseView = microgridExerciseView; }
