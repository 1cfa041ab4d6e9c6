// The browser edition's Web Worker: microgrid in Pyodide, pictures by viz-js.
// transport.js (the page) sends {id, method, path, body}; this answers {id, status, text}
// with the text Python's microgrid.apps.explorer.worker.answer() returns: the same
// ExplorerAPI the server of `microgrid play` calls. Everything is loaded from this
// folder: Pyodide and viz-js were copied in by `make site`, with microgrid's wheel.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance as vizInstance } from "./viz/viz.js";

const started = performance.now();

async function bytes(name) {
  const response = await fetch(name);
  if (!response.ok) { throw new Error(name + ": " + response.status); }
  return response.arrayBuffer();
}

const ready = (async () => {
  const manifest = await (await fetch("manifest.json")).json();
  const [pyodide, viz] = await Promise.all([loadPyodide(), vizInstance()]);
  const loaded = performance.now();
  for (const wheel of manifest.wheels) {
    pyodide.unpackArchive(await bytes("wheels/" + wheel), "wheel");
  }
  const unpacked = performance.now();
  // draw() writes DOT; viz-js (Graphviz as WebAssembly) lays it out, as dot does.
  self.microgridLayout = (dot) => viz.renderString(dot, { format: "svg", engine: "dot" });
  const namespace = pyodide.globals.get("dict")();
  pyodide.runPython(await (await fetch("bootstrap.py")).text(), { globals: namespace });
  pyodide.runPython(
    "from js import microgridLayout\n" +
    "from microgrid.apps.explorer.graph_api import use_layout\n" +
    "use_layout(lambda dot: str(microgridLayout(dot)))\n",
    { globals: namespace });
  const answer = namespace.get("answer");
  const now = performance.now();
  const seconds = (now - started) / 1000;
  // Where the time went (docs/performance.md): Pyodide and viz-js starting, the wheels
  // unpacked, microgrid's modules imported (compiled from .py: no .pyc is shipped).
  const steps = { pyodide: loaded - started, wheels: unpacked - loaded, imports: now - unpacked };
  const python = pyodide.runPython("import sys; sys.version.split()[0]");
  postMessage({ ready: true, seconds: seconds, steps: steps, python: python, pyodide: pyodide.version });
  return answer;
})();
ready.catch((error) => postMessage({ ready: false, error: String(error && error.message || error) }));

onmessage = async (event) => {
  const { id, method, path, body } = event.data;
  let status = 500;
  let text;
  try {
    const answer = await ready;
    const result = answer(method, path, JSON.stringify(body === undefined ? null : body));
    [status, text] = result.toJs();
    result.destroy();
  } catch (error) {
    text = JSON.stringify({ error: "microgrid in the browser failed: " + String(error && error.message || error).slice(-600) });
  }
  postMessage({ id: id, status: status, text: text });
};
