// The Interpolated MLP (spec/imlp-method.md §3): a dense network M mirroring the prior P (mirror.ts),
// whose parameters are pulled toward their targets dense(P), either in every forward pass
// (W_eff = (1 − α)·W + α·T) or by in-place syncs (W ← (1 − α)·W + α·T).
import * as tf from '@tensorflow/tfjs';
import { blasLerp } from '../backend/blas';
import type { InterpolationConfig } from '../experiment/types';
import { initRng } from '../models/init';
import { type Layer, gelu, initParam, layerNorm } from '../models/layers';
import { type Mirror, buildMirror } from './mirror';
import { TargetPlan, denseTargets } from './targetPlan';

/** The prior's parameters by name (`<layer index>.<param>`), as tensors or as saved Float32Arrays. */
export type PriorValues = ReadonlyMap<string, tf.Tensor | Float32Array>;

/** dense(P) for every parameter of M, by M's parameter name. */
export type Targets = Map<string, tf.Tensor>;

/** Which parameters are interpolated (the experiment's `interpolation` section fits). */
export interface InterpolationOptions { biases: boolean; exclude: ReadonlyArray<InterpolationConfig['exclude'][number]> }

function checkAlpha(alpha: number): void {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`α must lie in [0, 1], got ${alpha}`);
}

/**
 * (1 − α)·W + α·T. At α = 0 this is exactly W (W·1 = W, T·0 = ±0) and at α = 1 exactly T, in float32,
 * for finite T and W. The inner tidy frees the two products: the gradient tape keeps its own copies of
 * what it needs (the inputs of each product), so the forward pass keeps one extra copy, W_eff.
 */
function blend(w: tf.Tensor, t: tf.Tensor, alpha: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(w, 1 - alpha), tf.mul(t, alpha)));
}

export class InterpolatedMLP {
  readonly mirror: Mirror;
  /** M's own parameters W, seeded like the engine's networks; what M's optimiser updates. */
  readonly params = new Map<string, tf.Variable>();
  /**
   * The parameters pulled toward the prior: every dense weight, its bias when `biases`, and LayerNorm
   * γ/β when `biases` (they are the non-matrix parameters like biases, and at α = 1 M equals P only if
   * they are interpolated too); minus the first / head dense layer when excluded.
   */
  readonly interpolated: ReadonlySet<string>;
  /** How to rebuild dense(P) on the device from a prior's tensors; made on first use. */
  private plan: TargetPlan | undefined;

  /** `priorLayers`: resolveLayers(prior.layers, input, classes, where). */
  constructor(priorLayers: Layer[], seed: number, options: InterpolationOptions, where = 'prior.layers') {
    this.mirror = buildMirror(priorLayers, where);
    const rng = initRng(seed);
    for (const p of this.mirror.params) {
      const init = initParam(rng, p);
      this.params.set(p.name, tf.variable(init, true));
      init.dispose();
    }
    const excluded = new Set(options.exclude.map((e) => (e === 'head' ? this.mirror.head : this.mirror.first)));
    this.interpolated = new Set(this.mirror.params
      .filter((p) => {
        const op = this.mirror.ops[p.op]!;
        if (op.op === 'dense' && excluded.has(op.name)) return false;
        return p.kind === 'weight' || options.biases;
      })
      .map((p) => p.name));
  }

  /**
   * dense(P) for every parameter of M. Saved weights (a frozen prior, needed once per run) are built in JS;
   * a prior given as tensors (a co-trained one, before every forward-form step or sync) is rebuilt on the
   * device by a TargetPlan made on the first call. Either way the targets are constants of any graph, so no
   * gradient can reach them or the prior. The caller disposes the returned tensors. `prefix` is the prior's
   * parameter-name prefix, if any.
   */
  targets(prior: PriorValues, prefix = ''): Targets {
    const value = (name: string): tf.Tensor | Float32Array => {
      const v = prior.get(`${prefix}${name}`);
      if (!v) throw new Error(`the prior has no parameter "${prefix}${name}": its weights do not match its layers`);
      return v;
    };
    if (Array.from(prior.values()).every((v) => v instanceof tf.Tensor)) {
      this.plan ??= new TargetPlan(this.mirror, (name) => (value(name) as tf.Tensor).size);
      return this.plan.build((name) => value(name) as tf.Tensor);
    }
    const read = (name: string): Float32Array => {
      const v = value(name);
      return v instanceof Float32Array ? v : (v.dataSync() as Float32Array);
    };
    const out: Targets = new Map();
    for (const p of this.mirror.params) {
      if (out.has(p.name)) continue; // a dense layer's bias comes with its weight
      const op = this.mirror.ops[p.op]!;
      if (op.op === 'dense') {
        denseTargets(op, read, out);
      } else {
        out.set(p.name, tf.tensor1d(read(p.prior!).slice()));
      }
    }
    return out;
  }

  /**
   * W_eff for every parameter: (1 − α)·W + α·T when interpolated, else M's own variable (the same
   * object). Call inside tf.tidy, or dispose only the interpolated entries.
   */
  effective(alpha: number, targets: Targets): Map<string, tf.Tensor> {
    checkAlpha(alpha);
    const out = new Map<string, tf.Tensor>();
    this.params.forEach((w, name) => out.set(name, this.interpolated.has(name) ? blend(w, target(targets, name), alpha) : w));
    return out;
  }

  /** Logits of the forward form: M evaluated with W_eff; the gradient reaching W is (1 − α)·∂L/∂W_eff. */
  apply(x: tf.Tensor, alpha: number, targets: Targets): tf.Tensor2D {
    return tf.tidy(() => this.forward(x, this.effective(alpha, targets)));
  }

  /** Logits of M with its own weights, no interpolation: the plain MLP, and the sync form's forward. */
  applyPlain(x: tf.Tensor): tf.Tensor2D {
    return this.forward(x, this.params);
  }

  /**
   * The sync form's pull, in place and outside any gradient: W ← (1 − α)·W + α·T. With the OpenBLAS addon
   * in one pass (blasLerp, bit-identical), else as blend's ops.
   */
  sync(alpha: number, targets: Targets): void {
    checkAlpha(alpha);
    for (const name of this.interpolated) {
      const w = this.params.get(name)!;
      const t = target(targets, name);
      if (!blasLerp(w, t, alpha)) tf.tidy(() => w.assign(blend(w, t, alpha)));
    }
  }

  dispose(): void {
    this.params.forEach((v) => v.dispose());
    this.plan?.dispose();
  }

  /** M's function on a batch x [B, H, W, C] (any shape with a leading batch axis), flattened row-major. */
  private forward(x: tf.Tensor, p: ReadonlyMap<string, tf.Tensor>): tf.Tensor2D {
    return tf.tidy(() => {
      const batch = x.shape[0]!;
      let h: tf.Tensor = tf.reshape(x, [batch, -1]);
      const residuals: tf.Tensor[] = [];
      for (const o of this.mirror.ops) {
        switch (o.op) {
          case 'dense': {
            const y = tf.matMul(h as tf.Tensor2D, p.get(`${o.name}.w`) as tf.Tensor2D);
            h = o.bias ? tf.add(y, p.get(`${o.name}.b`)!) : y;
            break;
          }
          case 'relu':
            h = tf.relu(h);
            break;
          case 'gelu':
            h = gelu(h);
            break;
          case 'layernorm':
            // The prior normalises each position over its channels; M sees [positions·channels].
            h = tf.reshape(layerNorm(tf.reshape(h, [batch, -1, o.channels]), p.get(`${o.name}.gamma`)!, p.get(`${o.name}.beta`)!), [batch, -1]);
            break;
          case 'save':
            residuals.push(h);
            break;
          case 'add':
            h = tf.add(residuals.pop()!, h);
            break;
        }
      }
      return h as tf.Tensor2D;
    });
  }
}

function target(targets: Targets, name: string): tf.Tensor {
  const t = targets.get(name);
  if (!t) throw new Error(`no target for "${name}": pass the targets(prior) of this I-MLP's prior`);
  return t;
}
