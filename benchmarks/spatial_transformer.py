#!/usr/bin/env python3
"""Times the SpatialTransformer layer (forward, forward+backward; float32) beside
PyTorch's affine_grid + grid_sample (bilinear, zeros padding) in the same run.

    python3 benchmarks/spatial_transformer.py            # CPU, threads = cores
    python3 benchmarks/spatial_transformer.py --gpu      # CUDA path (needs a GPU)

Both sides do the same work: the layer runs with `align_corners: true` and PyTorch with
align_corners=True on the equivalent theta (see spatial_transformer_layer.hpp for the
mapping), both computing the gradients of U and theta in the backward pass. PyTorch is
optional (`pip install torch`); without it only this project's times are printed.
Ratios > 1 mean this project is faster.
"""
import argparse
import ctypes
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'python'))
caffe = None  # imported in main(), after OMP_NUM_THREADS is set

SHAPES = [(64, 1, 60, 60), (256, 1, 28, 28), (32, 3, 227, 227), (8, 64, 56, 56)]

NET = """name: "st_bench" force_backward: true
layer {{ name: "input" type: "Input" top: "U" top: "theta"
  input_param {{ shape {{ dim: {N} dim: {C} dim: {H} dim: {W} }} shape {{ dim: {N} dim: 6 }} }} }}
layer {{ name: "st" type: "SpatialTransformer" bottom: "U" bottom: "theta" top: "V"
  st_param {{ align_corners: true }} }}
"""


def cuda_synchronizer():
    """cudaDeviceSynchronize from the libcudart this process already loaded."""
    with open('/proc/self/maps') as f:
        paths = {line.split()[-1] for line in f if 'libcudart' in line}
    if not paths:
        raise RuntimeError('libcudart is not loaded: is this a CUDA build?')
    lib = ctypes.CDLL(sorted(paths)[0])
    return lambda: lib.cudaDeviceSynchronize()


def timeit(fn, sync, min_time=0.5, max_reps=200):
    """Best (minimum) seconds per call after a warm-up: the least disturbed run, which
    is what matters on a shared machine."""
    for _ in range(2):
        fn()
    sync()
    times = []
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < min_time and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return float(np.min(times))


def make_inputs(shape, seed=0):
    rng = np.random.RandomState(seed)
    N = shape[0]
    U = rng.rand(*shape).astype(np.float32)
    theta = (np.array([1, 0, 0, 0, 1, 0]) + rng.uniform(-0.2, 0.2, (N, 6))).astype(np.float32)
    return U, theta


def bench_caffe(shape, gpu, sync):
    N, C, H, W = shape
    net = caffe.Net.from_string(NET.format(N=N, C=C, H=H, W=W), caffe.TRAIN)
    U, theta = make_inputs(shape)
    net.blobs['U'].data[...] = U
    net.blobs['theta'].data[...] = theta
    net.blobs['V'].diff[...] = 1.0
    last = len(net.layers) - 1
    fwd = lambda: net._net._forward(0, last)  # noqa: E731  (no output copy to numpy)

    def fwd_bwd():
        net._net._forward(0, last)
        net._net._backward(last, 0)
    return timeit(fwd, sync), timeit(fwd_bwd, sync)


def bench_torch(torch, shape, gpu, sync):
    F = torch.nn.functional
    dev = 'cuda' if gpu else 'cpu'
    U, theta = make_inputs(shape)
    # The layer's (row, col) theta as PyTorch's (x = col, y = row) theta.
    th = theta.reshape(-1, 2, 3)[:, ::-1][:, :, [1, 0, 2]].copy()
    Ut = torch.tensor(U, device=dev, requires_grad=True)
    tht = torch.tensor(th, device=dev, requires_grad=True)
    size = list(shape)
    gout = torch.ones(size, device=dev)

    def fwd():
        with torch.no_grad():
            F.grid_sample(Ut, F.affine_grid(tht, size, align_corners=True), mode='bilinear',
                          padding_mode='zeros', align_corners=True)

    def fwd_bwd():
        Ut.grad = None
        tht.grad = None
        out = F.grid_sample(Ut, F.affine_grid(tht, size, align_corners=True), mode='bilinear',
                            padding_mode='zeros', align_corners=True)
        out.backward(gout)
    return timeit(fwd, sync), timeit(fwd_bwd, sync)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--gpu', action='store_true', help='time the CUDA path')
    ap.add_argument('--no-torch', action='store_true', help='skip the PyTorch reference')
    ap.add_argument('--threads', type=int, default=os.cpu_count(),
                    help='CPU threads for both (default: all cores)')
    args = ap.parse_args()
    cores = args.threads
    os.environ['OMP_NUM_THREADS'] = str(cores)
    global caffe
    import caffe
    torch = None
    if not args.no_torch:
        try:
            import torch
            torch.set_num_threads(cores)
        except ImportError:
            print('PyTorch not installed: printing this project only (pip install torch)')
    if args.gpu:
        if not caffe.has_gpu():
            sys.exit('--gpu: no CUDA device available to this build')
        caffe.set_mode_gpu()
        sync = cuda_synchronizer()
        if torch is not None and not torch.cuda.is_available():
            torch = None
    else:
        caffe.set_mode_cpu()
        sync = lambda: None  # noqa: E731
    where = 'GPU' if args.gpu else f'CPU, {cores} threads'
    print(f'SpatialTransformer vs PyTorch affine_grid+grid_sample (float32, {where}); '
          'best ms per call')
    head = f'{"N x C x H x W":>18} | {"fwd":>8} {"fwd+bwd":>8}'
    if torch is not None:
        head += f' | {"torch fwd":>9} {"fwd+bwd":>8} | {"ratio fwd":>9} {"fwd+bwd":>8}'
    print(head)
    print('-' * len(head))
    for shape in SHAPES:
        f, fb = bench_caffe(shape, args.gpu, sync)
        line = f'{"x".join(map(str, shape)):>18} | {f * 1e3:8.2f} {fb * 1e3:8.2f}'
        if torch is not None:
            tf, tfb = bench_torch(torch, shape, args.gpu, sync)
            line += f' | {tf * 1e3:9.2f} {tfb * 1e3:8.2f} | {tf / f:8.2f}x {tfb / fb:7.2f}x'
        print(line, flush=True)


if __name__ == '__main__':
    main()
