// THE preprocessing spec, ported step by step from kakite/core/preprocess.py (its module docstring is the
// spec; the step numbers below are its step numbers). Pure functions on typed arrays: no DOM, no
// TF.js, so the page and the tests import the same code. The constants (size, box, min_contrast,
// ink_threshold, min_extent, luma, composite_over) come from model/meta.json, written from Python's
// spec_constants(), and are never repeated here. Cost, as the spec's "Cost" says: time linear in the
// pixels; memory one Uint8Array of the image plus at most box x (shorter side) float64 (step 4).

export const SPEC_VERSION = 2; // the kakite.core.preprocess.SPEC_VERSION this port implements

const SPEC_KEYS = ['size', 'box', 'min_contrast', 'ink_threshold', 'min_extent', 'luma', 'composite_over'];

/** Throw if meta.json's constants are for another version of the spec, or lack a key. */
export function checkSpec(spec, name) {
  if (!spec || spec.version !== SPEC_VERSION) {
    throw new Error(`meta.json preprocess.${name}: spec version ${spec && spec.version}, ` +
      `this page implements version ${SPEC_VERSION}`);
  }
  const missing = SPEC_KEYS.filter((key) => !(key in spec));
  if (missing.length) throw new Error(`meta.json preprocess.${name}: missing ${missing.join(', ')}`);
  return spec;
}

/**
 * Canvas RGBA (un-premultiplied, as getImageData returns it) -> uint8 grey, composited over white.
 * gray = floor(a * luma + (1 - a) * over + 0.5) with a = alpha / 255: kakite.core.images.composite_over_white,
 * with the same float64 operations in the same order, so both give identical bytes.
 */
export function compositeOverWhite(rgba, spec) {
  const [wr, wg, wb] = spec.luma;
  const over = spec.composite_over;
  // A transparent pixel (most of a drawing pad) is exactly the paper, 0 * luma + 1 * over: fill it all
  // with paper in one native call, then compute only the pixels that hold some ink.
  const paper = Math.min(255, Math.max(0, Math.floor(over + 0.5)));
  const gray = new Uint8Array(rgba.length / 4).fill(paper);
  for (let p = 0, q = 0; p < gray.length; p += 1, q += 4) {
    if (rgba[q + 3] === 0) continue;
    const luma = rgba[q] * wr + rgba[q + 1] * wg + rgba[q + 2] * wb;
    const alpha = rgba[q + 3] / 255;
    gray[p] = Math.min(255, Math.max(0, Math.floor(alpha * luma + (1 - alpha) * over + 0.5)));
  }
  return gray;
}

/**
 * The window of a width x height pad that preprocessing needs to read when every pixel outside `ink`
 * ({left, top, right, bottom}, pad pixel coordinates, fractions allowed) is paper: those bounds out to
 * whole pixels, plus a one-pixel paper frame. toModelInput on the window, given the pad's shorter side,
 * returns the whole pad's result at a fraction of the cost: the frame is paper as the pad's border is
 * (step 1), the paper around it holds no ink (step 3), and step 3's extent check takes the pad's shorter
 * side. The whole pad when nothing is drawn, or when the frame does not fit inside the pad (ink on the
 * border moves step 1's median).
 */
export function paperFramedWindow(ink, width, height) {
  const whole = { x: 0, y: 0, width, height };
  if (!ink) return whole;
  const x = Math.floor(ink.left) - 1, y = Math.floor(ink.top) - 1;
  const right = Math.ceil(ink.right) + 1, bottom = Math.ceil(ink.bottom) + 1; // exclusive
  if (x < 0 || y < 0 || right > width || bottom > height) return whole;
  return { x, y, width: right - x, height: bottom - y };
}

/**
 * uint8 grey (width x height, row-major) -> Float32Array(size * size) in [0, 1], ink = 1,
 * or null when the image holds no character (Python raises NoInkError there). `padShorterSide`: the
 * whole pad's shorter side when gray is its paperFramedWindow.
 */
export function toModelInput(gray, width, height, spec, padShorterSide = Math.min(width, height)) {
  // 1. Polarity from the lower median of the border frame.
  const bg = borderLowerMedian(gray, width, height);
  const dark = bg >= 128;
  const d = new Uint8Array(gray.length);
  // The largest d of each row and column: a row or column holds a pixel over the cut iff its largest does.
  const rowPeak = new Uint8Array(height), columnPeak = new Uint8Array(width);
  for (let y = 0, p = 0; y < height; y += 1) {
    let row = 0;
    for (let x = 0; x < width; x += 1, p += 1) {
      const v = dark ? bg - gray[p] : gray[p] - bg;
      if (v <= 0) continue; // d stays 0
      d[p] = v;
      if (v > row) row = v;
      if (v > columnPeak[x]) columnPeak[x] = v;
    }
    rowPeak[y] = row;
  }
  const peak = rowPeak.reduce((a, b) => Math.max(a, b), 0);
  // 2. Contrast.
  if (peak < spec.min_contrast) return null;
  // 3. Crop to the pixels with d > ink_threshold * peak (never empty: the peak pixel is in it).
  const cut = spec.ink_threshold * peak;
  const inked = (v) => v > cut;
  const top = rowPeak.findIndex(inked), bottom = rowPeak.findLastIndex(inked);
  const left = columnPeak.findIndex(inked), right = columnPeak.findLastIndex(inked);
  const h = bottom - top + 1, w = right - left + 1;
  // 3, extent: a dot or a speck (box under min_extent of the shorter side) is no character.
  if (Math.max(h, w) < spec.min_extent * padShorterSide) return null;
  // 4. Longer side -> box pixels (round half up), exact area averaging, renormalised to max 1. The
  // longer side is averaged first, so the intermediate holds at most box x (shorter side) values
  // (the spec's "Cost": memory set by the output size and the shorter side, not the aspect ratio).
  const longer = Math.max(h, w);
  const nh = Math.max(1, Math.floor((h * spec.box) / longer + 0.5));
  const nw = Math.max(1, Math.floor((w * spec.box) / longer + 0.5));
  const rowsW = areaWeights(h, nh), colsW = areaWeights(w, nw);
  const corner = top * width + left; // d[corner + y * width + x]: crop pixel (y, x)
  let at; // at(i, j): output pixel (i, j) of the nh x nw scaled crop
  if (h >= w) {
    const down = average(rowsW, w, d, corner, width, 1); // nh x w
    const both = average(colsW, nh, down, 0, 1, w); // nw x nh
    at = (i, j) => both[j * nh + i];
  } else {
    const across = average(colsW, h, d, corner, 1, width); // nw x h
    const both = average(rowsW, nw, across, 0, 1, h); // nh x nw
    at = (i, j) => both[i * nw + j];
  }
  const scaled = new Float64Array(nh * nw);
  let max = 0;
  for (let i = 0; i < nh; i += 1) {
    for (let j = 0; j < nw; j += 1) {
      scaled[i * nw + j] = at(i, j);
      if (scaled[i * nw + j] > max) max = scaled[i * nw + j];
    }
  }
  // 5. Centre by bounding box; 6. clip to [0, 1].
  const size = spec.size;
  const out = new Float32Array(size * size);
  const top0 = Math.floor((size - nh) / 2), left0 = Math.floor((size - nw) / 2);
  for (let i = 0; i < nh; i += 1) {
    for (let j = 0; j < nw; j += 1) {
      out[(top0 + i) * size + left0 + j] = Math.min(1, Math.max(0, scaled[i * nw + j] / max));
    }
  }
  return out;
}

/**
 * One pass of step 4: out[j * count + c] = sum over k of weights[j][k] * src[start + (first_j + k) * along
 * + c * across], for each output pixel j (along the averaged axis) and each of the `count` lines across it.
 */
function average(weights, count, src, start, along, across) {
  const out = new Float64Array(weights.length * count);
  weights.forEach(({ first, weights: w }, j) => {
    for (let c = 0; c < count; c += 1) {
      const line = start + first * along + c * across;
      let sum = 0;
      for (let k = 0; k < w.length; k += 1) sum += w[k] * src[line + k * along];
      out[j * count + c] = sum;
    }
  });
  return out;
}

/**
 * Step 4's weights for n input and m output pixels, one entry per output pixel j: the first input
 * pixel it overlaps and the weights of the consecutive pixels from there,
 * W[j, i] = max(0, min((j + 1) n, (i + 1) m) - max(j n, i m)) / n.
 */
export function areaWeights(n, m) {
  const rows = [];
  for (let j = 0; j < m; j += 1) {
    const first = Math.floor((j * n) / m);
    const last = Math.ceil(((j + 1) * n) / m) - 1;
    const weights = new Float64Array(last - first + 1);
    for (let i = first; i <= last; i += 1) {
      const overlap = Math.min((j + 1) * n, (i + 1) * m) - Math.max(j * n, i * m);
      weights[i - first] = Math.max(0, overlap) / n;
    }
    rows.push({ first, weights });
  }
  return rows;
}

/** Lower median of the 1-pixel border frame (the whole image when a side is < 3), by counting. */
function borderLowerMedian(gray, width, height) {
  const counts = new Uint32Array(256);
  let n = 0;
  const add = (p) => { counts[gray[p]] += 1; n += 1; };
  if (width < 3 || height < 3) {
    for (let p = 0; p < gray.length; p += 1) add(p);
  } else {
    for (let x = 0; x < width; x += 1) { add(x); add((height - 1) * width + x); }
    for (let y = 1; y < height - 1; y += 1) { add(y * width); add(y * width + width - 1); }
  }
  let k = Math.floor((n - 1) / 2);
  for (let v = 0; v < 256; v += 1) {
    if (k < counts[v]) return v;
    k -= counts[v];
  }
  return 255;
}

/**
 * Model values in [0, 1] -> RGBA for ImageData. As the model sees them (ink = 1 = white) by default;
 * with asInk, dark ink on white paper, as a person would write it.
 */
export function toRGBA(values, asInk = false) {
  const rgba = new Uint8ClampedArray(values.length * 4);
  for (let p = 0, q = 0; p < values.length; p += 1, q += 4) {
    const level = Math.round((asInk ? 1 - values[p] : values[p]) * 255);
    rgba[q] = rgba[q + 1] = rgba[q + 2] = level;
    rgba[q + 3] = 255;
  }
  return rgba;
}
