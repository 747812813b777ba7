// A Keras layer chain (the recognizer: each layer feeds only the next) run with TF.js core ops alone.
// tfjs-layers is 334 KB of script to build such a chain; the ops it would call are in tfjs-core already,
// so the page loads tfjs-layers only when the style explorer (two non-chain models) first opens.

const tf = () => globalThis.tf;

// Keras activation names -> {fused: what tf.fused ops take, or null; apply: the op alone}.
const ACTIVATIONS = {
  linear: { fused: 'linear', apply: (x) => x },
  relu: { fused: 'relu', apply: (x) => tf().relu(x) },
  sigmoid: { fused: 'sigmoid', apply: (x) => tf().sigmoid(x) },
  softmax: { fused: null, apply: (x) => tf().softmax(x) },
};

function activation(config) {
  const found = ACTIVATIONS[config.activation ?? 'linear'];
  if (!found) throw new Error(`layer ${config.name}: activation ${config.activation} is not supported`);
  return found;
}

const pair = (v) => (Array.isArray(v) ? v : [v, v]);

/** Conv2D or Dense through tf.fused (one kernel in WASM when the activation fuses), else the op then it. */
function fusedLinear(op, args, act) {
  return act.fused ? op({ ...args, activation: act.fused }) : act.apply(op(args));
}

// Layer class -> (config, weights of this layer by short name) -> (x -> y). Keras's channels_last only.
const LAYERS = {
  Conv2D: (c, w) => {
    const act = activation(c);
    return (x) => fusedLinear(tf().fused.conv2d, {
      x, filter: w('kernel'), strides: pair(c.strides), pad: c.padding, dataFormat: 'NHWC',
      dilations: pair(c.dilation_rate ?? 1), bias: c.use_bias ? w('bias') : undefined,
    }, act);
  },
  Dense: (c, w) => {
    const act = activation(c);
    return (x) => fusedLinear(tf().fused.matMul, { a: x, b: w('kernel'), bias: c.use_bias ? w('bias') : undefined }, act);
  },
  BatchNormalization: (c, w) => {
    const axis = [].concat(c.axis);
    if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== 3)) {
      throw new Error(`layer ${c.name}: BatchNormalization on axis ${c.axis} is not supported`);
    }
    return (x) => tf().batchNorm(x, w('moving_mean'), w('moving_variance'), c.center ? w('beta') : undefined,
      c.scale ? w('gamma') : undefined, c.epsilon);
  },
  Activation: (c) => activation(c).apply,
  MaxPooling2D: (c) => (x) => tf().maxPool(x, pair(c.pool_size), pair(c.strides ?? c.pool_size), c.padding),
  AveragePooling2D: (c) => (x) => tf().avgPool(x, pair(c.pool_size), pair(c.strides ?? c.pool_size), c.padding),
  GlobalAveragePooling2D: (c) => (x) => tf().mean(x, [1, 2], Boolean(c.keepdims)),
  Flatten: () => (x) => tf().reshape(x, [x.shape[0], -1]),
  Dropout: () => (x) => x, // inference
};

/** The layers after the input, in order; Error unless each one reads only the one before it. */
function chainLayers(config) {
  const layers = config.config.layers;
  const [input, ...rest] = layers[0].class_name === 'InputLayer' ? layers : [null, ...layers];
  if (config.class_name !== 'Sequential') {
    rest.forEach((layer, i) => {
      const from = i === 0 ? input && input.config.name : rest[i - 1].config.name;
      const nodes = layer.inbound_nodes;
      if (nodes.length !== 1 || nodes[0].length !== 1 || nodes[0][0][0] !== from) {
        throw new Error(`layer ${layer.config.name} does not follow ${from} alone`);
      }
    });
    const [outputs, last] = [config.config.output_layers, rest.at(-1).config.name];
    if (outputs.length !== 1 || outputs[0][0] !== last) throw new Error(`the model's output is not ${last} alone`);
  }
  const shape = (input ? input.config : rest[0].config).batch_input_shape;
  if (!shape) throw new Error('no input shape');
  return { shape, layers: rest };
}

/**
 * A chain model from a layers model's artifacts ({modelTopology, weightSpecs, weightData}, as tf.io loads
 * them; quantised weights are dequantised here): {inputs, outputs, apply}, the parts of a tfjs-layers
 * model that model.js uses. Throws on a layer, option or topology it does not run.
 */
export function buildChain(artifacts) {
  const { shape, layers } = chainLayers(artifacts.modelTopology.model_config ?? artifacts.modelTopology);
  const weights = tf().io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const steps = layers.map(({ class_name: kind, config }) => {
    if (!LAYERS[kind]) throw new Error(`layer ${config.name}: ${kind} is not supported`);
    if (config.data_format && config.data_format !== 'channels_last') {
      throw new Error(`layer ${config.name}: data_format ${config.data_format} is not supported`);
    }
    return LAYERS[kind](config, (part) => {
      const tensor = weights[`${config.name}/${part}`];
      if (!tensor) throw new Error(`layer ${config.name}: weight ${part} is missing`);
      return tensor;
    });
  });
  const apply = (x) => steps.reduce((y, step) => step(y), x);
  // The output shape: one blank input through the chain (also compiles the kernels on this backend).
  const outputShape = tf().tidy(() => apply(tf().zeros([1, ...shape.slice(1)])).shape);
  return { inputs: [{ shape }], outputs: [{ shape: [null, ...outputShape.slice(1)] }], apply };
}
