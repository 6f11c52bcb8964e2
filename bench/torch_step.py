#!/usr/bin/python3
"""PyTorch peer of bench/step-time.ts: the same workloads, batch, optimiser and timing rule.

Run by step-time.ts with the Debian system python3 and the tuned thread/allocator environment set in
this process only (notes/compute-backends.md, Addendum). Prints one JSON object on stdout; progress
and problems go to stderr.

(b) and (d) are the engine's co-trained I-MLP step (src/core/method/learner.ts, sync mode, a sync
after every step): P's Adam step, M's Adam step, then dense(P) rebuilt from P's new weights and
W <- (1 - alpha) W + alpha dense(P) for every parameter of M. The prior comes as the engine's resolved
layer list; P runs natively (NCHW convs), and M mirrors it as src/core/method/mirror.ts does, with the
engine's parameter names, flattening order (row, column, channel) and x.W layout, so that dense(P) is
the same matrix as denseForm.ts builds. `--dense-check` prints P's weights and dense(P) in the engine's
layout for test/unit/bench-torch-dense.test.ts to compare with the engine's own targets.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 128
LAYERNORM_EPSILON = 1e-5  # the engine's (src/core/models/layers.ts), PyTorch's default


def mlp():
    """(a) 3072 -> 1024 -> 1024 -> 10, ReLU."""
    model = nn.Sequential(nn.Linear(3072, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
    return model, (BATCH, 3072)


def small_cnn():
    """(c) [128, 32, 32, 3] in NCHW (torch's native layout): two conv 3x3 'same' + ReLU + maxPool 2/2, dense 4096 -> 10."""
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(4096, 10),
    )
    return model, (BATCH, 3, 32, 32)


def cnn_small_preset():
    """(m) the engine's cnn-small preset on 28x28x1: conv 3x3 stride 2 pad 1 16, ReLU, conv 3x3 s2 p1 32, ReLU, dense 1568 -> 10."""
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )
    return model, (BATCH, 1, 28, 28)


MODELS = {'a': mlp, 'c': small_cnn, 'm': cnn_small_preset}


# ---- The I-MLP ------------------------------------------------------------------------------------

def conv_out(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


def uniform(shape, fan_in):
    """The engine's init (torch's default for Linear and Conv2d): U(+-1/sqrt(fan_in))."""
    bound = 1 / math.sqrt(fan_in)
    return nn.Parameter(torch.empty(shape).uniform_(-bound, bound))


def conv_dense_index(h, w, cin, k, stride, padding, cout):
    """Where each filter tap lands in the [h*w*cin, ho*wo*cout] dense form (denseForm.ts convDense):
    flat positions in the matrix, and the matching indices into the filter in torch's [cout, cin, k, k]
    layout. Built once; each sync then scatters the current filter into a zero matrix."""
    ho, wo = conv_out(h, k, stride, padding), conv_out(w, k, stride, padding)
    oi, oj, ki, kj, c, o = torch.meshgrid(*(torch.arange(n) for n in (ho, wo, k, k, cin, cout)), indexing='ij')
    i, j = stride * oi + ki - padding, stride * oj + kj - padding
    inside = (i >= 0) & (i < h) & (j >= 0) & (j < w)
    row = (i * w + j) * cin + c
    col = (oi * wo + oj) * cout + o
    flat = (row * (ho * wo * cout) + col)[inside]
    tap = (((o * cin + c) * k + ki) * k + kj)[inside]
    return flat, tap, ho, wo


class Source:
    """One linear map of the prior (mirror.ts LinearSource): its dense form (W [din, dout], bias or None)."""

    def __init__(self, key, din, dout, dense):
        self.key, self.din, self.dout, self.dense = key, din, dout, dense


class Imlp:
    """P (a functional network over a dict of parameters named as the engine names them) and M, its mirror."""

    def __init__(self, layers, input_shape, classes):
        self.p = {}       # engine name -> parameter, in torch's layout
        self.engine = {}  # engine name -> function giving that parameter in the engine's layout
        self.layers = layers
        self.ops = []     # M's ops, as mirror.ts: ('dense', name, sources) | ('relu',) | ('gelu',) | ('layernorm', name, c) | ('save',) | ('add',)
        self.run = []
        self.m = {}
        h, w, c = input_shape
        shape = ('image', h, w, c)
        last = len(layers) - 1
        for i, spec in enumerate(layers):
            shape = self.add_layer(i, spec, shape, classes if i == last else None)
        self.close()
        for op in self.ops:
            if op[0] == 'dense':
                _, name, sources = op
                din, dout = sources[0].din, sources[-1].dout
                self.m[f'{name}.w'] = uniform((din, dout), din)
                self.m[f'{name}.b'] = uniform((dout,), din)
            elif op[0] == 'layernorm':
                self.m[f'{op[1]}.gamma'] = nn.Parameter(torch.ones(op[2]))
                self.m[f'{op[1]}.beta'] = nn.Parameter(torch.zeros(op[2]))

    # -- building --

    def param(self, name, shape, fan_in, to_engine):
        self.p[name] = uniform(shape, fan_in)
        self.engine[name] = to_engine

    def norm(self, name, channels):
        self.p[f'{name}.gamma'] = nn.Parameter(torch.ones(channels))
        self.p[f'{name}.beta'] = nn.Parameter(torch.zeros(channels))
        self.engine[f'{name}.gamma'] = self.engine[f'{name}.beta'] = lambda t: t

    def close(self):
        if self.run:
            self.ops.append(('dense', '+'.join(s.key for s in self.run), self.run))
            self.run = []

    def nonlinear(self, op):
        self.close()
        self.ops.append(op)

    def conv_source(self, key, h, w, cin, k, stride, padding, cout):
        flat, tap, ho, wo = conv_dense_index(h, w, cin, k, stride, padding, cout)
        din, dout = h * w * cin, ho * wo * cout

        def dense():
            m = torch.zeros(din * dout)
            m[flat] = self.p[f'{key}.w'].reshape(-1)[tap]
            return m.view(din, dout), self.p[f'{key}.b'].repeat(ho * wo)
        return Source(key, din, dout, dense), ho, wo

    def add_layer(self, i, spec, shape, classes):
        t = spec['type']
        conv_to_engine = lambda x: x.permute(2, 3, 1, 0)  # [cout, cin, k, k] -> the engine's [k, k, cin, cout]
        if t == 'conv':
            _, h, w, c = shape
            k, s, pad, cout = spec['kernel'], spec['stride'], spec['padding'], spec['filters']
            if not spec['bias']:
                raise ValueError('the peer handles convs with a bias only (as the presets have)')
            self.param(f'{i}.w', (cout, c, k, k), c * k * k, conv_to_engine)
            self.param(f'{i}.b', (cout,), c * k * k, lambda x: x)
            source, ho, wo = self.conv_source(str(i), h, w, c, k, s, pad, cout)
            self.run.append(source)
            return ('image', ho, wo, cout)
        if t in ('relu', 'gelu'):
            self.nonlinear((t,))
            return shape
        if t == 'flatten':
            return ('vector', math.prod(shape[1:]))  # the identity on the (row, column, channel) vector
        if t == 'dense':
            din, dout = shape[1], classes or spec['units']
            if not spec['bias']:
                raise ValueError('the peer handles dense layers with a bias only (as the presets have)')
            self.param(f'{i}.w', (dout, din), din, lambda x: x.t())
            self.param(f'{i}.b', (dout,), din, lambda x: x)
            self.run.append(Source(str(i), din, dout, lambda: (self.p[f'{i}.w'].t(), self.p[f'{i}.b'])))
            return ('vector', dout)
        if t == 'layernorm':
            if shape[0] != 'tokens':
                raise ValueError('the peer handles LayerNorm on Mixer tokens only (as the presets have)')
            self.norm(str(i), shape[2])
            self.nonlinear(('layernorm', str(i), shape[2]))
            return shape
        if t == 'globalavgpool':
            if shape[0] != 'tokens':
                raise ValueError('the peer handles global average pooling of Mixer tokens only (as the presets have)')
            _, s, c = shape
            # Mean over tokens on the token-major vector: [S*C, C] = (1/S) stacked identities.
            self.run.append(Source(str(i), s * c, c, lambda: (torch.eye(c).repeat(s, 1) / s, None)))
            return ('vector', c)
        if t == 'mixer':
            return self.add_mixer(i, spec, shape)
        raise ValueError(f'the peer has no dense form for layer type {t!r}')

    def add_mixer(self, i, spec, shape):
        """mirror.ts mirrorMixer: the patch embedding joins the current linear run, then per block
        save, LN, token1, GELU, token2, add; save, LN, channel1, GELU, channel2, add."""
        _, h, w, cin = shape
        patch, c, th, ch = spec['patch'], spec['channels'], spec['tokenHidden'], spec['channelHidden']
        s = (h // patch) * (w // patch)
        self.param(f'{i}.embed.w', (c, cin, patch, patch), patch * patch * cin, lambda x: x.permute(2, 3, 1, 0))
        self.param(f'{i}.embed.b', (c,), patch * patch * cin, lambda x: x)
        self.run.append(self.conv_source(f'{i}.embed', h, w, cin, patch, patch, 0, c)[0])
        linear_to_engine = lambda x: x.t()  # torch's [out, in] -> the engine's x.W [in, out]

        def token(key, s_in, s_out):
            self.param(f'{key}.w', (s_out, s_in), s_in, linear_to_engine)
            self.param(f'{key}.b', (s_out,), s_in, lambda x: x)
            # Token mixing on token-major vec(X): W_tok kron I_C; its bias b kron 1_C.
            return Source(key, s_in * c, s_out * c, lambda: (torch.kron(self.p[f'{key}.w'].t().contiguous(), torch.eye(c)), self.p[f'{key}.b'].repeat_interleave(c)))

        def channel(key, c_in, c_out):
            self.param(f'{key}.w', (c_out, c_in), c_in, linear_to_engine)
            self.param(f'{key}.b', (c_out,), c_in, lambda x: x)
            # Channel mixing: I_S kron W_ch; its bias 1_S kron b.
            return Source(key, s * c_in, s * c_out, lambda: (torch.kron(torch.eye(s), self.p[f'{key}.w'].t().contiguous()), self.p[f'{key}.b'].repeat(s)))

        for b in range(spec['blocks']):
            k = f'{i}.block{b}'
            for ln, first, second in (
                ('ln1', token(f'{k}.token1', s, th), token(f'{k}.token2', th, s)),
                ('ln2', channel(f'{k}.channel1', c, ch), channel(f'{k}.channel2', ch, c)),
            ):
                self.norm(f'{k}.{ln}', c)
                self.nonlinear(('save',))
                self.nonlinear(('layernorm', f'{k}.{ln}', c))
                self.run.append(first)
                self.nonlinear(('gelu',))
                self.run.append(second)
                self.nonlinear(('add',))
        return ('tokens', s, c)

    # -- computing --

    def prior(self, x):
        """P's logits for an NCHW batch."""
        h = x
        for i, spec in enumerate(self.layers):
            t = spec['type']
            if t == 'conv':
                h = F.conv2d(h, self.p[f'{i}.w'], self.p[f'{i}.b'], spec['stride'], spec['padding'])
            elif t == 'relu':
                h = F.relu(h)
            elif t == 'gelu':
                h = F.gelu(h, approximate='tanh')
            elif t == 'flatten':
                h = h.permute(0, 2, 3, 1).flatten(1)  # the engine's order, so the head's dense form is its weight
            elif t == 'dense':
                h = F.linear(h, self.p[f'{i}.w'], self.p[f'{i}.b'])
            elif t == 'layernorm':
                h = F.layer_norm(h, (h.shape[-1],), self.p[f'{i}.gamma'], self.p[f'{i}.beta'], LAYERNORM_EPSILON)
            elif t == 'globalavgpool':
                h = h.mean(1)
            elif t == 'mixer':
                h = self.mixer(h, i, spec)
        return h

    def mixer(self, x, i, spec):
        q = lambda n: self.p[f'{i}.{n}']
        c = spec['channels']
        u = F.conv2d(x, q('embed.w'), q('embed.b'), spec['patch']).flatten(2).transpose(1, 2)  # [B, S, C], s = row * Wo + col
        for b in range(spec['blocks']):
            k = lambda n: q(f'block{b}.{n}')
            t = F.layer_norm(u, (c,), k('ln1.gamma'), k('ln1.beta'), LAYERNORM_EPSILON).transpose(1, 2)
            t = F.linear(F.gelu(F.linear(t, k('token1.w'), k('token1.b')), approximate='tanh'), k('token2.w'), k('token2.b'))
            u = u + t.transpose(1, 2)
            v = F.layer_norm(u, (c,), k('ln2.gamma'), k('ln2.beta'), LAYERNORM_EPSILON)
            u = u + F.linear(F.gelu(F.linear(v, k('channel1.w'), k('channel1.b')), approximate='tanh'), k('channel2.w'), k('channel2.b'))
        return u

    def mirror(self, x):
        """M's logits for a batch flattened in the engine's (row, column, channel) order."""
        h, saved = x, []
        for op in self.ops:
            if op[0] == 'dense':
                h = torch.addmm(self.m[f'{op[1]}.b'], h, self.m[f'{op[1]}.w'])
            elif op[0] == 'relu':
                h = F.relu(h)
            elif op[0] == 'gelu':
                h = F.gelu(h, approximate='tanh')
            elif op[0] == 'layernorm':
                _, name, c = op
                h = F.layer_norm(h.view(h.shape[0], -1, c), (c,), self.m[f'{name}.gamma'], self.m[f'{name}.beta'], LAYERNORM_EPSILON).view(h.shape[0], -1)
            elif op[0] == 'save':
                saved.append(h)
            else:
                h = saved.pop() + h
        return h

    @torch.no_grad()
    def targets(self):
        """dense(P) for every parameter of M (mirror.ts segmentDense: a segment's maps composed, biases carried)."""
        out = {}
        for op in self.ops:
            if op[0] == 'dense':
                w, b = op[2][0].dense()
                for source in op[2][1:]:
                    w2, b2 = source.dense()
                    carried = b @ w2 if b is not None else None
                    w, b = w @ w2, carried if b2 is None else b2 if carried is None else carried + b2
                out[f'{op[1]}.w'], out[f'{op[1]}.b'] = w, b
            elif op[0] == 'layernorm':
                out[f'{op[1]}.gamma'], out[f'{op[1]}.beta'] = self.p[f'{op[1]}.gamma'], self.p[f'{op[1]}.beta']
        return out

    @torch.no_grad()
    def sync(self, alpha):
        """W <- (1 - alpha) W + alpha dense(P) for every parameter (the engine's default interpolates biases and LayerNorm too)."""
        for name, t in self.targets().items():
            self.m[name].lerp_(t, alpha)


def imlp_step(spec, args):
    """One co-trained sync-mode I-MLP step as learner.ts takes it with syncEvery 1: P's step, M's step, the sync."""
    imlp = Imlp(spec['layers'], spec['input'], 10)
    p_opt = torch.optim.Adam(imlp.p.values(), lr=args.lr, eps=args.eps)
    m_opt = torch.optim.Adam(imlp.m.values(), lr=args.lr, eps=args.eps)
    h, w, c = spec['input']
    x = torch.randn(BATCH, c, h, w)
    x_flat = x.permute(0, 2, 3, 1).reshape(BATCH, -1)  # the same images in M's (row, column, channel) order
    y = torch.randint(0, 10, (BATCH,))

    def step():
        t0 = time.perf_counter()
        p_opt.zero_grad(set_to_none=True)
        F.cross_entropy(imlp.prior(x), y).backward()
        p_opt.step()
        m_opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(imlp.mirror(x_flat), y)
        loss.backward()
        m_opt.step()
        loss = loss.item()
        t1 = time.perf_counter()
        imlp.sync(spec['alpha'])
        step.phases = {'steps': (t1 - t0) * 1e3, 'sync': (time.perf_counter() - t1) * 1e3}
        return loss
    return step


def model_step(build, args):
    model, shape = build()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, eps=args.eps)
    x = torch.randn(shape)
    y = torch.randint(0, 10, (BATCH,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()  # reading the loss mirrors the engine's dataSync
    return step


def time_steps(step, args):
    """The ms of each timed step, and of each phase of it where the step records phases (the I-MLP's)."""
    for _ in range(args.warmup):
        step()
    ms, phases = [], {}
    for _ in range(args.steps):
        t0 = time.perf_counter()
        loss = step()
        ms.append((time.perf_counter() - t0) * 1e3)
        if loss != loss:
            raise RuntimeError('loss is NaN')
        for name, v in getattr(step, 'phases', {}).items():
            phases.setdefault(name, []).append(v)
    return ms, phases


def time_matmul(reps):
    a = torch.randn(1024, 1024)
    b = torch.randn(1024, 1024)
    torch.mm(a, b)  # warm-up: thread pools and BLAS buffers
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b)
        ms.append((time.perf_counter() - t0) * 1e3)
    return ms


def blas_libraries():
    """The BLAS actually mapped into this process (Debian picks it through update-alternatives)."""
    try:
        with open('/proc/self/maps') as f:
            paths = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
        return sorted(paths)
    except OSError:
        return []


def dense_check():
    """stdin: {"priors": [{"layers": [...], "input": [h, w, c]}]}; stdout: per prior, P's weights (random,
    LayerNorms included) and dense(P), both by the engine's names and in its layout, as flat lists."""
    request = json.load(sys.stdin)
    out = []
    for spec in request['priors']:
        imlp = Imlp(spec['layers'], spec['input'], 10)
        with torch.no_grad():
            for p in imlp.p.values():
                p.uniform_(-1, 1)
        flat = lambda t: t.detach().contiguous().reshape(-1).tolist()
        out.append({
            'params': {name: flat(imlp.engine[name](p)) for name, p in imlp.p.items()},
            'targets': {name: flat(t) for name, t in imlp.targets().items()},
        })
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--only', default='a,c,m')
    p.add_argument('--imlp', default='{}', help='JSON: workload id -> {"layers", "input", "alpha"} of an I-MLP workload')
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--matmul-reps', type=int, default=10)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--eps', type=float, default=1e-8)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--dense-check', action='store_true')
    args = p.parse_args()
    if args.dense_check:
        torch.manual_seed(args.seed)
        return dense_check()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    imlp = json.loads(args.imlp)
    out = {
        'torch': torch.__version__,
        'python': sys.version.split()[0],
        'executable': sys.executable,
        'threads': torch.get_num_threads(),
        'env': {k: os.environ.get(k) for k in ('OPENBLAS_CORETYPE', 'OMP_WAIT_POLICY', 'OPENBLAS_THREAD_TIMEOUT',
                                                'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_')},
        'matmulMs': time_matmul(args.matmul_reps),
        'workloads': {},
        'phases': {},
    }
    out['blas'] = blas_libraries()
    for wid in args.only.split(','):
        torch.manual_seed(args.seed)  # same weights and data for a workload in every round
        step = imlp_step(imlp[wid], args) if wid in imlp else model_step(MODELS[wid], args)
        ms, phases = time_steps(step, args)
        out['workloads'][wid] = ms
        if phases:
            out['phases'][wid] = phases
        print(f'torch ({wid}) median {statistics.median(ms):.1f} ms', file=sys.stderr)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
