// The page: drawing pads, the recognizer view, tabs, language, status, and the test hook.
// DOM code lives here (and in explorer.js); model.js and preprocess.js never touch the DOM.
//
// Test hook, window.kakite (for tests and the console; the page itself never reads it):
//   loaded           Promise<{backend, error}>: settles once the recognizer predicts, on the first backend
//                    that started (a first visit then times the others); never rejects.
//   ready            Promise<{backend, timings, error}>: settles once the recognizer is loaded and the
//                    backend chosen; never rejects (timings: {backend: median ms} as measured on this
//                    or an earlier visit, empty when ?backend= forced one; error: the page's message or null).
//   lastResult       the recognizer's latest result: {probs: number[] | null, top: [{label, p}],
//                    input: number[] | null} (null probs/input = "no character").
//   lastStyle        the explorer's latest style: {zStyle: number[], digit: number | null}.
//   predictCanvas()  Promise<lastResult>: run the recognizer on its canvas now, skipping the debounce.
//   exportPNG(view)  data: URL (PNG) of a drawing canvas, 'recognizer' (default) or 'explorer',
//                    transparent where nothing is drawn, exactly the pixels the page preprocesses.
//   idle()           Promise: resolves when no inference is scheduled or running in either view (and
//                    the style models, loaded when the explorer is first opened, are in).

import * as i18n from './i18n.js';
import { choose, startFirst } from './backend.js';
import { LiveInference, fetchRecognizer, loadMeta, loadRecognizer, loadStyleModel, topK } from './model.js';
import { paperFramedWindow, toRGBA } from './preprocess.js';
import { StyleExplorer } from './explorer.js';

const MODEL_BASE = new URL('./model/', import.meta.url);
const DEBOUNCE_MS = 100;
const TOP_K = 5;
// Pen width as a fraction of the canvas side: the glyph fills most of the box, and training strokes
// are 3.5-8.5% of the glyph box (params.yaml fetch.style.pen_width); digits are written larger.
const PEN = { hiragana: 1 / 22, digits: 1 / 14 };

const $ = (id) => document.getElementById(id);

/** A canvas that records strokes as point lists from any pointer (mouse, touch, pen) and redraws them. */
class DrawingPad {
  constructor(canvas, penFraction, onChange) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d', { willReadFrequently: true });
    this.penWidth = penFraction * canvas.width;
    this.onChange = onChange;
    this.strokes = [];
    this.pointerId = null;
    canvas.addEventListener('pointerdown', (event) => this.down(event));
    canvas.addEventListener('pointermove', (event) => this.move(event));
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
      canvas.addEventListener(type, (event) => this.up(event));
    }
  }

  /** Event position in canvas pixels (the drawing buffer, whatever the CSS size or border). */
  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return [
      ((event.clientX - box.left - this.canvas.clientLeft) * this.canvas.width) / this.canvas.clientWidth,
      ((event.clientY - box.top - this.canvas.clientTop) * this.canvas.height) / this.canvas.clientHeight,
    ];
  }

  down(event) {
    if (this.pointerId !== null || event.button !== 0) return;
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.pointerId = event.pointerId;
    this.strokes.push([this.point(event)]);
    this.changed();
  }

  move(event) {
    if (event.pointerId !== this.pointerId) return;
    const coalesced = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    const stroke = this.strokes[this.strokes.length - 1];
    for (const each of coalesced.length ? coalesced : [event]) stroke.push(this.point(each));
    this.changed();
  }

  up(event) {
    if (event.pointerId === this.pointerId) this.pointerId = null;
  }

  undo() {
    this.strokes.pop();
    this.changed();
  }

  clear() {
    this.strokes = [];
    this.changed();
  }

  changed() {
    this.render();
    this.onChange();
  }

  /** Redraw every stroke from its points: undo and live drawing give the very same pixels. */
  render() {
    const ctx = this.context;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = this.penWidth;
    ctx.strokeStyle = ctx.fillStyle = '#000';
    for (const [[x0, y0], ...rest] of this.strokes) {
      ctx.beginPath();
      if (rest.length === 0) {
        ctx.arc(x0, y0, this.penWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.moveTo(x0, y0);
      for (const [x, y] of rest) ctx.lineTo(x, y);
      ctx.stroke();
    }
  }

  /**
   * The pixels preprocessing reads: only the window around the drawn strokes (paperFramedWindow), as a
   * drawing fills about half the pad and reading the pad is most of a prediction's preprocessing.
   */
  pixels() {
    const pad = this.canvas;
    const { x, y, width, height } = paperFramedWindow(this.inkBounds(), pad.width, pad.height);
    return { rgba: this.context.getImageData(x, y, width, height).data, width, height,
      padShorterSide: Math.min(pad.width, pad.height) };
  }

  /** Bounds of every pixel a stroke can touch: the points, plus half the pen and a pixel of antialiasing. */
  inkBounds() {
    if (this.strokes.length === 0) return null;
    const reach = this.penWidth / 2 + 1;
    const bounds = { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
    for (const [x, y] of this.strokes.flat()) {
      bounds.left = Math.min(bounds.left, x - reach);
      bounds.top = Math.min(bounds.top, y - reach);
      bounds.right = Math.max(bounds.right, x + reach);
      bounds.bottom = Math.max(bounds.bottom, y + reach);
    }
    return bounds;
  }
}

/** The recognizer view: live top-5 and the model's input beside the pad. */
class RecognizerView {
  constructor(pad, recognizer, onError) {
    this.pad = pad;
    this.recognizer = recognizer;
    this.onError = onError;
    this.result = null;
    this.preview = $('model-input');
    this.preview.width = this.preview.height = recognizer.size;
    this.live = new LiveInference(() => this.predict(), DEBOUNCE_MS);
    i18n.onChange(() => this.show());
  }

  async predict() {
    try {
      const { input, probs } = await this.recognizer.recognize(this.pad.pixels());
      this.result = {
        probs: probs && Array.from(probs),
        top: probs ? topK(probs, this.recognizer.labels, TOP_K) : [],
        input: input && Array.from(input),
      };
      this.show();
      return this.result;
    } catch (err) {
      this.onError(err.message);
      throw err;
    }
  }

  show() {
    $('model-input-caption').textContent = i18n.t('modelInput', { size: this.recognizer.size });
    showReading(this.result && this.result.top[0]);
    if (!this.result) return;
    const ctx = this.preview.getContext('2d');
    const size = this.recognizer.size;
    ctx.clearRect(0, 0, size, size);
    if (this.result.input) ctx.putImageData(new ImageData(toRGBA(this.result.input), size, size), 0, 0);
    $('candidates').replaceChildren(...this.result.top.map(candidateItem));
  }
}

/** The line above the pad (and the one the screen reader announces): the best candidate, or none. */
function showReading(best) {
  $('reading').textContent = best ? i18n.t('readingTop', { label: best.label, percent: percent(best.p) })
    : i18n.t('noCharacter');
  $('reading').classList.toggle('empty', !best);
}

const percent = (p) => `${(100 * p).toFixed(1)}%`;

/** What the model is: its revision (DVC's hash of the trained folder) and its test accuracy. */
function showModelInfo(meta) {
  const { accuracy, revision } = meta;
  const info = $('model-info');
  if (!accuracy || !revision) {
    info.textContent = i18n.t('modelInfoMissing');
    return;
  }
  const domains = Object.entries(accuracy.by_domain)
    .map(([domain, value]) => `${i18n.t(`domain_${domain}`)} ${percent(value)}`).join(', ');
  info.textContent = i18n.t('modelInfo', {
    revision: revision.cnn.slice(0, 8), accuracy: percent(accuracy.test), n: accuracy.n.toLocaleString('en'), domains });
  info.title = Object.entries(revision).map(([name, hash]) => `${name}: ${hash}`).join('\n');
}

/** One row of the top-5 list: the character, a probability bar, the percentage. */
function candidateItem({ label, p }) {
  const item = document.createElement('li');
  const texts = { char: label, bar: '', percent: percent(p) };
  const parts = Object.entries(texts).map(([name, text]) => {
    const part = document.createElement('span');
    part.className = name;
    part.textContent = text;
    return part;
  });
  parts[1].style.setProperty('--p', p.toFixed(4));
  item.append(...parts);
  return item;
}

function showTab(name) {
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const selected = tab.dataset.view === name;
    tab.setAttribute('aria-selected', String(selected));
    $(tab.getAttribute('aria-controls')).hidden = !selected;
  }
}

/** Status line: loading progress, active backend, or an error (which stays until replaced). */
const status = {
  state: { key: 'loading', params: { percent: 0 } },
  set(key, params = {}, isError = false) {
    this.state = { key, params, isError };
    this.render();
  },
  render() {
    const { key, params, isError } = this.state;
    $('status').textContent = i18n.t(key, params);
    $('status').classList.toggle('error', Boolean(isError));
  },
};

/** A view that cannot work: its panel shows why and how to fix it, in the current language. */
function viewError(id, message, hintKey = 'loadHint') {
  const render = () => {
    $(id).replaceChildren(...[i18n.t('loadError', { message }), i18n.t(hintKey)].map((text) => {
      const line = document.createElement('p');
      line.textContent = text;
      return line;
    }));
  };
  render();
  i18n.onChange(render);
  $(id).hidden = false;
}

const views = { recognizer: null, explorer: null };
const runError = (message) => status.set('runError', { message }, true);
const pads = {
  recognizer: new DrawingPad($('pad'), PEN.hiragana, () => views.recognizer && views.recognizer.live.request()),
  explorer: new DrawingPad($('digit-pad'), PEN.digits, () => views.explorer && views.explorer.drawn()),
};

function showBackend({ backend, timings }) {
  const measured = Object.keys(timings).sort((a, b) => timings[a] - timings[b]);
  if (!measured.length) return status.set('backendForced', { name: backend });
  const text = measured.map((name) => `${name} ${timings[name].toFixed(1)} ms`).join(', ');
  return status.set('backend', { name: backend, timings: text });
}

let meta = null; // meta.json, once boot has read it

async function boot() {
  i18n.setLanguage(i18n.initialLanguage());
  i18n.onChange(() => status.render());
  $('language').addEventListener('click', () => i18n.setLanguage(i18n.language() === 'ja' ? 'en' : 'ja', true));
  for (const tab of document.querySelectorAll('[role=tab]')) {
    tab.addEventListener('click', () => {
      showTab(tab.dataset.view);
      history.replaceState(null, '', `#${tab.dataset.view}`);
      if (tab.dataset.view === 'explorer') openExplorer();
    });
  }
  showTab(location.hash === '#explorer' ? 'explorer' : 'recognizer');
  for (const [name, pad] of Object.entries(pads)) {
    $(`${name}-undo`).addEventListener('click', () => pad.undo());
    $(`${name}-clear`).addEventListener('click', () => pad.clear());
  }

  if (!globalThis.tf || !globalThis.tf.io) throw new Error('vendor/tf-core.es2017.min.js did not load');
  status.set('loading', { percent: 0 });
  // The recognizer's files and meta.json download while the backend starts.
  const files = fetchRecognizer(MODEL_BASE, (fraction) => status.set('loading', { percent: Math.round(100 * fraction) }))
    .catch((err) => err);
  const [started, loadedMeta] = await Promise.all([startFirst(new URLSearchParams(location.search).get('backend')),
    loadMeta(MODEL_BASE)]);
  meta = loadedMeta;
  showModelInfo(meta);
  i18n.onChange(() => showModelInfo(meta));
  const fetched = await files;
  const recognizer = fetched instanceof Error ? fetched : await loadRecognizer(fetched, meta).catch((err) => err);
  if (recognizer instanceof Error) {
    viewError('recognizer-error', recognizer.message);
    status.set('loadError', { message: recognizer.message }, true);
    if (location.hash === '#explorer') openExplorer();
    return { backend: started.first, timings: {}, error: recognizer.message };
  }
  views.recognizer = new RecognizerView(pads.recognizer, recognizer, runError);
  if (started.candidates.length > 1) status.set('backendMeasuring', { name: started.first });
  await views.recognizer.live.now();
  return { started, recognizer };
}

/**
 * The backend race, after the page can predict: a first visit can draw while it runs (~0.2 s here), and
 * a prediction asked for meanwhile waits for it rather than run on a backend being switched.
 */
async function chooseBackend({ started, recognizer }) {
  const chosen = await views.recognizer.live.serial(() => choose(started, () => recognizer.timeOne()));
  showBackend(chosen);
  if (location.hash === '#explorer') openExplorer();
  return { ...chosen, error: null };
}

function failed(err) {
  const message = err.message || String(err);
  status.set('loadError', { message }, true);
  const hint = globalThis.tf ? 'loadHint' : 'vendorHint';
  for (const id of ['recognizer-error', 'explorer-error']) viewError(id, message, hint);
  return { backend: null, timings: {}, error: message };
}

const booted = boot().catch(failed); // {started, recognizer}, or the page's final state when it cannot predict
const loaded = booted.then((state) => ('error' in state ? { backend: state.backend, error: state.error }
  : { backend: state.started.first, error: null }));
const ready = booted.then((state) => ('error' in state ? state : chooseBackend(state))).catch(failed);

/** The style explorer's models, fetched the first time its tab is opened (most visits never do). */
let explorerLoading = null;
function openExplorer() {
  explorerLoading ??= ready.then(async ({ backend }) => {
    if (!meta || !backend) return; // boot failed: both views already show why
    const before = status.state;
    status.set('loadingStyle');
    try {
      views.explorer = new StyleExplorer(pads.explorer, await loadStyleModel(MODEL_BASE, meta), runError);
      status.set(before.key, before.params, before.isError);
      await views.explorer.live.now();
    } catch (err) {
      viewError('explorer-error', err.message);
      status.set('loadError', { message: err.message }, true);
    }
  });
  return explorerLoading;
}

window.kakite = {
  loaded,
  ready,
  get lastResult() {
    return views.recognizer && views.recognizer.result;
  },
  get lastStyle() {
    return views.explorer && views.explorer.state();
  },
  async predictCanvas() {
    await loaded;
    if (!views.recognizer) throw new Error('the recognizer model is not loaded');
    return views.recognizer.live.now();
  },
  exportPNG(view = 'recognizer') {
    return pads[view].canvas.toDataURL('image/png');
  },
  async idle() {
    await ready;
    if (explorerLoading) await explorerLoading;
    return Promise.all(Object.values(views).filter(Boolean).map((view) => view.live.idle()));
  },
};
