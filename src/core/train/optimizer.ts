// Adam and SGD with explicit, serialisable state. TF.js's own optimisers rebuild Adam's bias
// correction with pow() on restore, which is not bit-identical to the running product; here the
// correction is computed from the step count in float64, so a resumed run matches an
// uninterrupted one exactly. The update rule is PyTorch's (bias-corrected m̂ / (√v̂ + ε)).
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../experiment/types';
import { blasAdam } from '../backend/blas';

export interface Optimizer {
  /** Applies one update to `vars` (keyed by our names) from `grads` keyed by tf.Variable.name, as tf.variableGrads returns them. */
  step(vars: Map<string, tf.Variable>, grads: tf.NamedTensorMap): void;
  /** Tensors to checkpoint (moments), by name. */
  stateTensors(): Map<string, tf.Variable>;
  /** JSON state to checkpoint (the step count). */
  stateJson(): { t: number };
  restore(json: { t: number }, tensors: Record<string, tf.Tensor>): void;
  /** Forget the moments (the sync form's "reset optimiser on sync" option). */
  reset(): void;
  dispose(): void;
}

/** `inPlace: false` keeps Adam op by op even where the OpenBLAS addon could update in place (blasAdam; for its test). */
export function makeOptimizer(cfg: OptimizerConfig, { inPlace = true } = {}): Optimizer {
  const moments = new Map<string, tf.Variable>();
  let t = 0;
  const moment = (key: string, like: tf.Tensor) => {
    let m = moments.get(key);
    if (!m) {
      m = tf.variable(tf.zerosLike(like), false);
      moments.set(key, m);
    }
    return m;
  };
  const update = cfg.name === 'adam'
    ? (name: string, w: tf.Variable, g: tf.Tensor) => {
        const m = moment(`${name}/m`, w);
        const v = moment(`${name}/v`, w);
        const c1 = 1 - Math.pow(cfg.beta1, t);
        const c2 = 1 - Math.pow(cfg.beta2, t);
        if (inPlace && blasAdam(w, m, v, g, cfg, c1, c2)) return;
        m.assign(tf.add(tf.mul(m, cfg.beta1), tf.mul(g, 1 - cfg.beta1)));
        v.assign(tf.add(tf.mul(v, cfg.beta2), tf.mul(tf.square(g), 1 - cfg.beta2)));
        const denom = tf.add(tf.sqrt(tf.div(v, c2)), cfg.epsilon);
        w.assign(tf.sub(w, tf.mul(tf.div(m, denom), cfg.lr / c1)));
      }
    : (name: string, w: tf.Variable, g: tf.Tensor) => {
        if (cfg.momentum === 0) {
          w.assign(tf.sub(w, tf.mul(g, cfg.lr)));
          return;
        }
        const buf = moment(`${name}/momentum`, w);
        buf.assign(t === 1 ? g : tf.add(tf.mul(buf, cfg.momentum), g));
        w.assign(tf.sub(w, tf.mul(buf, cfg.lr)));
      };
  const disposeMoments = () => {
    moments.forEach((m) => m.dispose());
    moments.clear();
  };
  return {
    step(vars, grads) {
      t += 1;
      // One tidy per parameter: its temporaries are freed before the next one's exist (peak memory).
      vars.forEach((w, name) => {
        const g = grads[w.name];
        if (g) tf.tidy(() => update(name, w, g));
      });
    },
    stateTensors: () => moments,
    stateJson: () => ({ t }),
    restore(json, tensors) {
      disposeMoments();
      t = json.t;
      for (const [key, value] of Object.entries(tensors)) moments.set(key, tf.variable(value, false));
    },
    reset() {
      disposeMoments();
      t = 0;
    },
    dispose: disposeMoments,
  };
}
