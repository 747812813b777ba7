// The writer-style explorer: one drawn digit -> its style z_style (the encoder's mean) -> all ten
// digits decoded in that style (z_content = meta.vae.content_means[d]). Sliders move the first few
// style dimensions, within meta.vae.style_range, and re-decode live.

import * as i18n from './i18n.js';
import { LiveInference } from './model.js';
import { toRGBA } from './preprocess.js';

const SLIDERS = 4; // style dimensions given a slider (fewer if z_style is smaller)
const DEBOUNCE_MS = 100;
const $ = (id) => document.getElementById(id);

export class StyleExplorer {
  /** pad: the digit DrawingPad; styleModel: model.js StyleModel; onError(message) reports a failure. */
  constructor(pad, styleModel, onError) {
    this.pad = pad;
    this.model = styleModel;
    this.onError = onError;
    this.zStyle = new Float32Array(styleModel.styleDims); // zeros: the average style, until a digit is drawn
    this.mine = null; // the drawn digit's own style, for "back to my style"
    this.digit = null;
    this.padChanged = true;
    this.live = new LiveInference(() => this.update(), DEBOUNCE_MS);
    this.canvases = this.buildDigits();
    this.sliders = this.buildSliders();
    $('explorer-reset').addEventListener('click', () => {
      if (this.mine) this.zStyle.set(this.mine);
      this.live.request();
    });
    i18n.onChange(() => this.showText());
  }

  /** The pad changed: re-encode (and re-decode) soon. */
  drawn() {
    this.padChanged = true;
    this.live.request();
  }

  state() {
    return { zStyle: Array.from(this.zStyle), digit: this.digit };
  }

  async update() {
    try {
      if (this.padChanged) {
        this.padChanged = false;
        const { rgba, width, height } = this.pad.pixels();
        const { zStyle, digit } = await this.model.encode(rgba, width, height);
        this.mine = zStyle;
        this.digit = digit;
        this.zStyle = new Float32Array(zStyle || this.model.styleDims);
      }
      const images = await this.model.decodeDigits(this.zStyle);
      const size = this.model.size;
      images.forEach((image, d) => {
        this.canvases[d].getContext('2d').putImageData(new ImageData(toRGBA(image, true), size, size), 0, 0);
      });
      this.showText();
      return this.state();
    } catch (err) {
      this.onError(err.message);
      throw err;
    }
  }

  buildDigits() {
    const size = this.model.size;
    const grid = $('decoded-digits');
    const canvases = this.model.labels.map((label) => {
      const figure = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = size;
      canvas.dataset.digit = label;
      const caption = document.createElement('figcaption');
      caption.textContent = label;
      figure.append(canvas, caption);
      grid.append(figure);
      return canvas;
    });
    return canvases;
  }

  buildSliders() {
    const box = $('style-sliders');
    return this.model.styleRange.slice(0, SLIDERS).map(([lo, hi], k) => {
      const label = document.createElement('label');
      const name = document.createElement('span');
      const input = document.createElement('input');
      const value = document.createElement('output');
      Object.assign(input, { type: 'range', min: lo, max: hi, step: (hi - lo) / 200 });
      input.dataset.dim = String(k);
      input.addEventListener('input', () => {
        this.zStyle[k] = Number(input.value);
        this.live.request();
      });
      label.append(name, input, value);
      box.append(label);
      return { name, input, value };
    });
  }

  /** Text and slider positions from the current state, in the current language. */
  showText() {
    const reading = this.digit === null ? i18n.t('noDigit') : i18n.t('readAs', { digit: this.digit });
    $('explorer-reading').textContent = reading;
    $('explorer-reset').disabled = !this.mine;
    this.sliders.forEach(({ name, input, value }, k) => {
      name.textContent = i18n.t('styleDim', { n: k + 1 });
      if (document.activeElement !== input) input.value = String(this.zStyle[k]);
      value.textContent = this.zStyle[k].toFixed(2);
    });
  }
}
