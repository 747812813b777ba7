// Model code: loading, inference. No DOM here: ui.js and explorer.js draw, this computes.
// TF.js is the vendored UMD core (index.html) plus what backend.js starts: the global `tf`. The recognizer
// runs on core ops (chain.js); tfjs-layers is loaded for the style explorer's models when it first opens.

import { buildChain } from './chain.js';
import { checkSpec, compositeOverWhite, toModelInput } from './preprocess.js';
import { loadVendored } from './vendor.js';

const tf = () => globalThis.tf;

/** meta.json under baseUrl; rejects when missing or broken (nothing can work then). */
export function loadMeta(baseUrl) {
  return fetchJSON(new URL('meta.json', baseUrl));
}

/**
 * The hiragana recognizer's files under baseUrl (model.json and its weights); onProgress gets the fraction
 * loaded in [0, 1]. No backend is needed to fetch them, so this runs while one starts.
 */
export function fetchRecognizer(baseUrl, onProgress) {
  return fetchLayers(new URL('cnn/model.json', baseUrl), onProgress);
}

/** The hiragana recognizer from its fetched files, on the active backend. */
export async function loadRecognizer(files, meta) {
  return new Recognizer(await build(files, buildChain), meta);
}

/** The style VAE (encoder and decoder) under baseUrl: loaded only when the explorer is first opened. */
export async function loadStyleModel(baseUrl, meta) {
  await loadVendored('tf-layers.es2017.min.js');
  const [encoder, decoder] = await Promise.all(['vae_encoder', 'vae_decoder'].map(
    async (name) => build(await fetchLayers(new URL(`${name}/model.json`, baseUrl), () => {}), buildLayers)));
  return new StyleModel(encoder, decoder, meta);
}

async function fetchJSON(url) {
  const where = relative(url);
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`${where}: ${err.message}`);
  }
  if (!response.ok) throw new Error(`${where}: HTTP ${response.status}`);
  try {
    return await response.json();
  } catch {
    throw new Error(`${where}: not valid JSON`);
  }
}

/** A Layers model's files: {url, artifacts}; errors name the model.json. */
async function fetchLayers(url, onProgress) {
  try {
    return { url, artifacts: await tf().io.http(url.href, { onProgress }).load() };
  } catch (err) {
    throw new Error(`${relative(url)}: ${err.message}`);
  }
}

function buildLayers(artifacts) {
  return tf().loadLayersModel(tf().io.fromMemory(artifacts));
}

/** builder(artifacts) (a model, or a promise of one); errors name the model.json. */
async function build({ url, artifacts }, builder) {
  try {
    return await builder(artifacts);
  } catch (err) {
    throw new Error(`${relative(url)}: ${err.message}`);
  }
}

function relative(url) {
  return url.href.startsWith(location.origin) ? url.pathname.replace(/^\//, '') : url.href;
}

/** Run fn (which builds tensors and returns one tensor or an array) in tf.tidy; read the values back. */
async function readOutputs(fn) {
  const outputs = [].concat(tf().tidy(fn));
  try {
    return await Promise.all(outputs.map((output) => output.data()));
  } finally {
    outputs.forEach((output) => output.dispose());
  }
}

/**
 * A model's outputs for a batch, in inference mode (a tfjs-layers model, or a chain.js chain). apply, not
 * predict: a layers model's predict gathers its input into batches and concatenates the outputs, two more
 * kernels around the page's batches of one (or ten).
 */
function infer(model, inputs) {
  return model.apply(inputs, { training: false });
}

/** The model input for a pad's pixels ({rgba, width, height, padShorterSide}), or null: no character. */
function modelInput({ rgba, width, height, padShorterSide }, spec) {
  return toModelInput(compositeOverWhite(rgba, spec), width, height, spec, padShorterSide);
}

/** Square single-channel input side length, read from the model itself and checked against the spec. */
function inputSize(model, spec, name) {
  const [, height, width, channels] = model.inputs[0].shape;
  if (height !== width || channels !== 1 || height !== spec.size) {
    throw new Error(`${name} input shape [${model.inputs[0].shape}] does not match ` +
      `meta.json preprocess size ${spec.size}`);
  }
  return height;
}

/** The hiragana CNN: canvas pixels in, preprocessed input and class probabilities out. */
export class Recognizer {
  constructor(model, meta) {
    this.model = model;
    this.spec = checkSpec(meta.preprocess && meta.preprocess.hiragana, 'hiragana');
    this.size = inputSize(model, this.spec, 'cnn');
    this.labels = meta.labels;
    const classes = model.outputs[0].shape[1];
    if (!Array.isArray(this.labels) || this.labels.length !== classes) {
      throw new Error(`meta.json labels: ${this.labels && this.labels.length} labels for ${classes} model outputs`);
    }
  }

  /** Milliseconds of one prediction on a blank input, read back (what a user waits for). */
  async timeOne() {
    const start = performance.now();
    await readOutputs(() => infer(this.model, tf().zeros([1, this.size, this.size, 1])));
    return performance.now() - start;
  }

  /** A pad's pixels ({rgba, width, height, padShorterSide}) -> {input, probs}; both null when
   * preprocessing finds no character. */
  async recognize(pixels) {
    const input = modelInput(pixels, this.spec);
    if (!input) return { input: null, probs: null };
    const [probs] = await readOutputs(
      () => infer(this.model, tf().tensor4d(input, [1, this.size, this.size, 1])));
    return { input, probs };
  }
}

/** The k most probable {label, p}, best first. */
export function topK(probs, labels, k) {
  return Array.from(probs, (p, i) => ({ label: labels[i], p }))
    .sort((a, b) => b.p - a.p)
    .slice(0, k);
}

/** The digit VAE: encode a drawn digit's style, decode every digit label (meta.vae.labels) in a given style. */
export class StyleModel {
  constructor(encoder, decoder, meta) {
    this.encoder = encoder;
    this.decoder = decoder;
    this.spec = checkSpec(meta.preprocess && meta.preprocess.digits, 'digits');
    this.size = inputSize(encoder, this.spec, 'vae_encoder');
    const vae = meta.vae || {};
    this.contentDims = vae.z_content;
    this.styleDims = vae.z_style;
    this.labels = vae.labels;
    this.contentMeans = vae.content_means;
    this.directions = vae.style_directions;
    const [contentIn, styleIn] = decoder.inputs.map((input) => input.shape[1]);
    if (encoder.outputs.length !== 4 || decoder.inputs.length !== 2 || contentIn !== this.contentDims ||
        styleIn !== this.styleDims || !Array.isArray(this.labels) || !Array.isArray(this.contentMeans) ||
        this.contentMeans.length !== this.labels.length) {
      throw new Error('meta.json vae: labels, z_content, z_style or content_means do not fit the VAE models');
    }
    const fits = (v) => Array.isArray(v) && v.length === this.styleDims;
    if (!this.directions || !fits(this.directions.centre) || !Array.isArray(this.directions.directions) ||
        !this.directions.directions.every((d) => fits(d.vector) && Array.isArray(d.range) && Array.isArray(d.names))) {
      throw new Error('meta.json vae.style_directions: missing or not fitting z_style (re-run dvc repro export_tfjs)');
    }
  }

  /**
   * A pad's pixels -> {input, zStyle, digit}: the style mean and the digit whose content mean is nearest
   * to the content mean; all null when preprocessing finds no character.
   */
  async encode(pixels) {
    const input = modelInput(pixels, this.spec);
    if (!input) return { input: null, zStyle: null, digit: null };
    const [muContent, , muStyle] = await readOutputs(
      () => infer(this.encoder, tf().tensor4d(input, [1, this.size, this.size, 1])));
    return { input, zStyle: muStyle, digit: this.labels[nearest(this.contentMeans, muContent)] };
  }

  /** zStyle -> one Float32Array(size * size) image per label, label d decoded from content_means[d]. */
  async decodeDigits(zStyle) {
    const n = this.labels.length;
    const [images] = await readOutputs(() => infer(this.decoder, [
      tf().tensor2d(this.contentMeans, [n, this.contentDims]),
      tf().tensor2d(Array.from({ length: n }, () => Array.from(zStyle)), [n, this.styleDims]),
    ]));
    const pixels = this.size * this.size;
    return Array.from({ length: n }, (_, d) => images.slice(d * pixels, (d + 1) * pixels));
  }
}

function nearest(means, point) {
  const distance = (mean) => mean.reduce((sum, m, i) => sum + (m - point[i]) ** 2, 0);
  return means.reduce((best, mean, d) => (distance(mean) < distance(means[best]) ? d : best), 0);
}

/**
 * Live inference while the user draws: request() runs `run` within delayMs (many requests in that
 * time make one run), runs never overlap, and now() runs at once after any run in flight.
 */
export class LiveInference {
  constructor(run, delayMs) {
    this.run = run;
    this.delayMs = delayMs;
    this.timer = null;
    this.running = null;
  }

  request() {
    if (this.timer === null) this.timer = setTimeout(() => this.now().catch(() => {}), this.delayMs);
  }

  async now() {
    clearTimeout(this.timer);
    this.timer = null;
    return this.serial(this.run);
  }

  /** Run fn after any run in flight, and hold later runs until it is done (the backend race uses this). */
  async serial(fn) {
    while (this.running) await this.running.catch(() => {});
    this.running = fn();
    try {
      return await this.running;
    } finally {
      this.running = null;
    }
  }

  /** Resolves once nothing is scheduled or running. */
  async idle() {
    while (this.timer !== null || this.running) {
      await (this.running ? this.running.catch(() => {}) : new Promise((r) => setTimeout(r, this.delayMs)));
    }
  }
}
