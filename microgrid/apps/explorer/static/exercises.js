// The Exercises page: the server keeps this tab's exercise and progress (POST /api/exercises
// makes them) and grades each answer with the engine; exerciseview.js shows the answer, as
// it does in the notebook widget.
(function () {
  "use strict";
  var api = window.microgrid.api;
  var byId = function (id) { return document.getElementById(id); };
  var session = null;  // this tab's own session id (kept in memory: two tabs, two progresses)

  function showMessage(text) {
    var box = byId("exercise-message");
    box.hidden = !text;
    box.textContent = text || "";
  }

  var view = window.microgridExerciseView.panel(document.body, byId("exercise"), function (action, body) {
    act(action, action === "answer" ? { answer: body.text } : {});
  });

  function take(state) {
    session = state.id;
    showMessage("");
    view.show(state);
    view.showPicture(state.svg);
    byId("number").value = String(state.number);
    if (document.activeElement !== byId("seed")) { byId("seed").value = String(state.seed); }
    document.body.setAttribute("data-solved", String(state.solved));
    document.body.setAttribute("data-state", "ready");
  }

  function fail(error) {
    showMessage(error.message);
    document.body.setAttribute("data-verdict", "error");
    document.body.setAttribute("data-state", "ready");
  }

  // One action at a time, in the order they were made (Check, then Next, ...).
  var queue = Promise.resolve();
  function act(action, body) {
    queue = queue.then(function () {
      document.body.setAttribute("data-state", "loading");
      return api("POST", "/api/exercises/" + session + "/" + action, body).then(take, fail);
    });
  }

  function showChosen() {
    act("show", { number: Number(byId("number").value), seed: Number(byId("seed").value) });
  }
  byId("number").addEventListener("change", function () { byId("seed").value = "0"; showChosen(); });
  byId("show").addEventListener("click", showChosen);

  api("GET", "/api/exercises").then(function (list) {
    list.exercises.forEach(function (ex) {
      var option = document.createElement("option");
      option.value = String(ex.number);
      option.textContent = ex.number + ". (chapter " + ex.chapter + ") " + ex.title;
      if (ex.available === false) {  // the browser edition has no NumPy: said, not offered
        option.disabled = true;
        option.textContent = ex.number + ". " + ex.title;
      }
      byId("number").appendChild(option);
    });
    return api("POST", "/api/exercises", {});
  }).then(take, fail);
})();
