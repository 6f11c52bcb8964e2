#!/usr/bin/python3
"""PyTorch peer of bench/step-time.ts: the same workloads, batch, optimiser and timing rule.

Run by step-time.ts with the Debian system python3 and the tuned thread/allocator environment set in
this process only (notes/compute-backends.md, Addendum). Prints one JSON object on stdout; progress
and problems go to stderr.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 128


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


WORKLOADS = {'a': mlp, 'c': small_cnn, 'm': cnn_small_preset}


def time_steps(build, args):
    torch.manual_seed(args.seed)  # same weights and data for a workload in every round
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

    for _ in range(args.warmup):
        step()
    ms = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        loss = step()
        ms.append((time.perf_counter() - t0) * 1e3)
        if loss != loss:
            raise RuntimeError('loss is NaN')
    return ms


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


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--only', default='a,c,m')
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--matmul-reps', type=int, default=10)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--eps', type=float, default=1e-8)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out = {
        'torch': torch.__version__,
        'python': sys.version.split()[0],
        'executable': sys.executable,
        'threads': torch.get_num_threads(),
        'env': {k: os.environ.get(k) for k in ('OPENBLAS_CORETYPE', 'OMP_WAIT_POLICY', 'OPENBLAS_THREAD_TIMEOUT',
                                                'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_')},
        'matmulMs': time_matmul(args.matmul_reps),
        'workloads': {},
    }
    out['blas'] = blas_libraries()
    for wid in args.only.split(','):
        ms = time_steps(WORKLOADS[wid], args)
        out['workloads'][wid] = ms
        print(f'torch ({wid}) median {statistics.median(ms):.1f} ms', file=sys.stderr)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
