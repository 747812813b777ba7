// Which TF.js backend runs the models: each candidate's vendored script, a start, timed warm predictions,
// the fastest kept (and remembered for this browser's next visits), the others removed.

import { VENDOR, loadVendored } from './vendor.js';

const tf = () => globalThis.tf;

export const BACKENDS = ['wasm', 'webgl', 'cpu'];
const TIMED_RUNS = 5; // warm predictions per backend; the median decides
const LOST_FACTOR = 2; // one run over twice the best median so far: lost (runs of one backend vary far less)
const SCRIPTS = {
  wasm: 'tf-backend-wasm.es2017.min.js', webgl: 'tf-backend-webgl.es2017.min.js', cpu: 'tf-backend-cpu.es2017.min.js',
};
const STORAGE_KEY = 'kakite.backend';

// TF.js's threaded WASM runs on half the logical cores: under this many it would run one thread, and only
// pay for starting its worker pool, so the page takes the SIMD binary without threads there.
const MIN_CORES_FOR_WASM_THREADS = 4;

/**
 * A backend's vendored script; WASM's binaries then come from ./vendor/ (set before anything starts the
 * backend: each start of an uninitialised backend would instantiate another module).
 */
const loading = {};
function loadScript(name) {
  loading[name] ??= loadVendored(SCRIPTS[name]).then(() => {
    if (name !== 'wasm') return;
    tf().wasm.setWasmPaths(VENDOR.href);
    if (navigator.hardwareConcurrency < MIN_CORES_FOR_WASM_THREADS) {
      tf().env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
  });
  return loading[name];
}

/**
 * True when WebGL is drawn by the CPU (SwiftShader, llvmpipe): it never beats WASM then, and measuring it
 * costs ~370 KB of script and a second of shader compiling, so it is not a candidate (?backend=webgl
 * still forces it).
 */
function softwareWebGL() {
  const gl = document.createElement('canvas').getContext('webgl2') || document.createElement('canvas').getContext('webgl');
  if (!gl) return true;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
}

/**
 * The backend measured fastest on an earlier visit with this browser, if any: measuring costs a second
 * or more, so it is done once and remembered; ?backend=auto measures again.
 */
function remembered() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY));
    return saved && saved.agent === navigator.userAgent && BACKENDS.includes(saved.backend) ? saved : null;
  } catch {
    return null;
  }
}

/** Make `name` the active backend; false when it cannot start here. */
async function start(name) {
  try {
    await loadScript(name);
    if (!(await tf().setBackend(name))) return false;
    await tf().ready();
    return true;
  } catch {
    return false; // not available in this browser, or failed to start
  }
}

/**
 * The backends to consider for `requested` (the ?backend= value): that one if it names one; else the
 * remembered choice; else every backend worth measuring. Starts the first that works, so the models
 * can load and the page can predict; the other candidates' scripts wait for choose(). Resolves to
 * {candidates, first, saved}.
 */
export async function startFirst(requested) {
  const saved = requested === 'auto' ? null : remembered();
  const candidates = BACKENDS.includes(requested) ? [requested]
    : saved ? [saved.backend] : BACKENDS.filter((name) => name !== 'webgl' || !softwareWebGL());
  for (const name of candidates) {
    if (await start(name)) return { candidates, first: name, saved };
  }
  throw new Error(`no TF.js backend could start (tried ${candidates.join(', ')})`);
}

/**
 * With several candidates: time warm predictions (timeOne() resolves to ms) on each and keep the fastest,
 * which depends on the machine (WASM SIMD on most CPUs, WebGL on a real GPU for bigger models). A
 * candidate that has already lost is timed no further (its median is then that of the runs it made).
 * Resolves to {backend, timings: {name: median ms}} (timings empty when one backend was forced).
 * It switches the global backend, so nothing else may run inference until it resolves.
 */
export async function choose({ candidates, first, saved }, timeOne) {
  if (candidates.length === 1) {
    return { backend: first, timings: saved && saved.backend === first ? saved.timings : {} };
  }
  for (const name of candidates) loadScript(name).catch(() => {}); // all timed now: fetch them together
  const timings = {};
  for (const name of candidates) {
    if (!(await start(name))) continue;
    try {
      await timeOne(); // the first run compiles kernels and moves the weights to this backend
      // Once most of its runs are slower than the best median so far, its median cannot beat it; once one
      // run is far slower, it will not either: stop there (a first visit waits for every run).
      const best = Math.min(...Object.values(timings));
      const runs = [];
      const lost = () => runs.filter((ms) => ms > best).length > TIMED_RUNS / 2
        || runs.some((ms) => ms > LOST_FACTOR * best);
      while (runs.length < TIMED_RUNS && !lost()) runs.push(await timeOne());
      timings[name] = runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)];
    } catch {
      // started but cannot run the model: not a candidate
    }
  }
  const ranked = Object.keys(timings).sort((a, b) => timings[a] - timings[b]);
  if (!ranked.length) throw new Error(`no TF.js backend could run the model (tried ${candidates.join(', ')})`);
  if (tf().getBackend() !== ranked[0]) await tf().setBackend(ranked[0]);
  await timeOne(); // brings the weights back to the winner, so the others can go
  for (const name of ranked.slice(1)) tf().removeBackend(name); // a WebGL context left behind slows the rest
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ backend: ranked[0], timings, agent: navigator.userAgent }));
  return { backend: ranked[0], timings };
}
