// Stands in for TensorFlow.js in the extension bundle (esbuild.mjs redirects every @tensorflow/*
// import of that bundle here). The host shares shape-only engine code with the worker, e.g. the
// memory estimate (method/memory.ts → models/network.ts and models/layers.ts, which import TF.js for
// their forward passes); none of it touches a tensor, and anything that does fails loudly here
// instead of loading TF.js into the extension host. Training runs in the worker bundle, which has
// the real TF.js.
const fail = (name: string): never => {
  throw new Error(`TensorFlow.js (${name}) is not loaded in the VS Code extension host: tensor work runs in the training worker (dist/worker.js)`);
};

// The namespace object inherits from a proxy, so `tf.anything` is a function that throws when called
// (and reading it, as `const pool = tf.maxPool` does while building a layer, is harmless).
const tensors: Record<string, unknown> = Object.create(new Proxy({}, {
  get: (_target, key) => (typeof key === 'string' && key !== 'then' && key !== '__esModule' ? (..._args: unknown[]) => fail(key) : undefined),
}));

module.exports = tensors;
