// The writer-style explorer: one drawn digit -> its style z_style (the encoder's mean) -> all ten
// digits decoded in that style (z_content = meta.vae.content_means[d]). Each slider moves z_style along
// one of meta.vae.style_directions (principal directions of the training writers' z_style that move
// the decoded pixels most, measured by the export stage), named after what it measurably changes.

import * as i18n from './i18n.js';
import { LiveInference } from './model.js';
import { toRGBA } from './preprocess.js';

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
        const { zStyle, digit } = await this.model.encode(this.pad.pixels());
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

  /** One labelled slider per style direction; its value is the style's position along the direction. */
  buildSliders() {
    const box = $('style-sliders');
    const { centre, directions } = this.model.directions;
    return directions.map((direction, k) => {
      const label = document.createElement('label');
      const name = document.createElement('span');
      const input = document.createElement('input');
      const value = document.createElement('output');
      const effect = document.createElement('small');
      const [lo, hi] = direction.range;
      Object.assign(input, { type: 'range', min: lo, max: hi, step: (hi - lo) / 200 });
      input.dataset.direction = String(k);
      input.addEventListener('input', () => {
        const delta = Number(input.value) - this.position(direction.vector, centre);
        direction.vector.forEach((v, i) => { this.zStyle[i] += delta * v; });
        this.live.request();
      });
      label.append(name, input, value, effect);
      box.append(label);
      return { name, input, value, effect, direction, k };
    });
  }

  /** Where the current style lies along a unit direction, from the training writers' mean style. */
  position(vector, centre) {
    return vector.reduce((sum, v, i) => sum + v * (this.zStyle[i] - centre[i]), 0);
  }

  /** Text and slider positions from the current state, in the current language. */
  showText() {
    const reading = this.digit === null ? i18n.t('noDigit') : i18n.t('readAs', { digit: this.digit });
    $('explorer-reading').textContent = reading;
    $('explorer-reset').disabled = !this.mine;
    this.sliders.forEach(({ name, input, value, effect, direction, k }) => {
      name.textContent = directionName(direction, k);
      input.setAttribute('aria-label', name.textContent);
      const at = this.position(direction.vector, this.model.directions.centre);
      if (document.activeElement !== input) input.value = String(at);
      value.textContent = at.toFixed(2);
      const changes = propertyChanges(direction);
      effect.textContent = i18n.t('directionEffect', {
        grey: direction.pixel_change.toFixed(1), changes: changes.length ? `${changes.join(', ')}; ` : '' });
    });
  }
}

/** "slant + stroke weight", or "style direction 3" when no measured property supports a name. */
function directionName(direction, k) {
  if (!direction.names.length) return i18n.t('styleDirection', { n: k + 1 });
  return direction.names.map((property) => i18n.t(`property_${property}`)).join(' + ');
}

/** The named properties' measured changes from the slider's left end to its right end, e.g. "slant +31°". */
function propertyChanges(direction) {
  return direction.names.map((property) => {
    const change = direction.property_change[property];
    const unit = property === 'slant' ? '°' : ' px';
    return `${i18n.t(`property_${property}`)} ${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(1)}${unit}`;
  });
}
