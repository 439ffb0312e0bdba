"""The CPU engines agree on whole networks: a small convolutional net with pooling, LRN and
a spatial transformer, trained for 200 SGD iterations from the same seed on the same
synthetic task with the oneDNN engine and with the portable passes (engine CAFFE), starts
from the same loss and ends at losses within noise of each other; the engine can be chosen
per process (CAFFE_ENGINE, caffe -engine) and per layer (the engine field)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import caffe
from caffe_test_utils import engine_kind
from conftest import ROOT, require_tool

NET = """name: "engines"
layer { name: "data" type: "Input" top: "data" top: "label"
  input_param { shape { dim: 16 dim: 1 dim: 20 dim: 20 } shape { dim: 16 } } }
layer { name: "loc_pool" type: "Pooling" bottom: "data" top: "loc_pool"
  pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
layer { name: "loc_ip" type: "InnerProduct" bottom: "loc_pool" top: "theta"
  inner_product_param { num_output: 2 weight_filler { type: "constant" value: 0 }
    bias_filler { type: "constant" value: 0 } } }
layer { name: "st" type: "SpatialTransformer" bottom: "data" bottom: "theta" top: "st"
  st_param { to_compute_dU: false theta_1_1: 1 theta_2_2: 1 theta_1_2: 0 theta_2_1: 0 } }
layer { name: "conv1" type: "Convolution" bottom: "st" top: "conv1"
  convolution_param { num_output: 16 kernel_size: 5 weight_filler { type: "xavier" } } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
  pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "norm1" type: "LRN" bottom: "pool1" top: "norm1"
  lrn_param { local_size: 5 alpha: 0.0001 beta: 0.75 } }
layer { name: "conv2" type: "Convolution" bottom: "norm1" top: "conv2"
  convolution_param { num_output: 32 kernel_size: 3 pad: 1 weight_filler { type: "xavier" } } }
layer { name: "relu2" type: "ReLU" bottom: "conv2" top: "conv2" }
layer { name: "ip" type: "InnerProduct" bottom: "conv2" top: "ip"
  inner_product_param { num_output: 4 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
"""


def quadrant_task(rng, n):
    """Images with one bright square; the label is the quadrant it lies in."""
    x = rng.uniform(0, 0.2, (n, 1, 20, 20)).astype(np.float32)
    y = rng.randint(0, 4, n)
    for i, q in enumerate(y):
        r0, c0 = (q // 2) * 10 + rng.randint(0, 6), (q % 2) * 10 + rng.randint(0, 6)
        x[i, 0, r0:r0 + 4, c0:c0 + 4] += 1.0
    return x, y.astype(np.float32)


def train(engine, tmp_path, iters=200):
    caffe.set_cpu_engine(engine)
    try:
        net_path = tmp_path / f'net_{engine}.prototxt'
        net_path.write_text(NET)
        solver_path = tmp_path / f'solver_{engine}.prototxt'
        solver_path.write_text(f'net: "{net_path}"\nbase_lr: 0.002\nmomentum: 0.9\n'
                               'weight_decay: 0.0005\nlr_policy: "fixed"\nmax_iter: 1000\n'
                               'display: 0\nsnapshot: 0\nrandom_seed: 7\n')
        solver = caffe.get_solver(str(solver_path))
        engines = {name: engine_kind(layer.cpu_engine)
                   for name, layer in solver.net.layer_dict.items()}
        rng = np.random.RandomState(3)
        losses = []
        for _ in range(iters):
            x, y = quadrant_task(rng, 16)
            solver.net.blobs['data'].data[...] = x
            solver.net.blobs['label'].data[...] = y
            solver.step(1)
            losses.append(float(solver.net.blobs['loss'].data))
        return np.array(losses), engines
    finally:
        caffe.set_cpu_engine('DEFAULT')


def test_training_matches_across_engines(tmp_path):
    fast, fast_engines = train('DNNL', tmp_path)
    plain, plain_engines = train('CAFFE', tmp_path)
    for name in ('conv1', 'conv2', 'pool1', 'norm1'):
        assert fast_engines[name] in (('DNNL', 'declined') if name == 'pool1' else ('DNNL',)), \
            (name, fast_engines[name])
        assert plain_engines[name] == 'CAFFE', (name, plain_engines[name])
    # Same seed, same weights, same first batch: the first losses agree to float rounding.
    assert abs(fast[0] - plain[0]) < 1e-4 * max(1.0, abs(plain[0]))
    # Both learn the task (chance is ln 4 = 1.39) ...
    assert fast[-20:].mean() < 0.5 and plain[-20:].mean() < 0.5, (fast[-20:], plain[-20:])
    # ... and end within noise of each other: the last 50 iterations' mean losses differ by
    # less than twice the spread of those losses.
    spread = max(fast[-50:].std(), plain[-50:].std())
    assert abs(fast[-50:].mean() - plain[-50:].mean()) < 2 * spread + 0.02


def engine_log(args, env_engine=None):
    env = dict(os.environ)
    env.pop('CAFFE_ENGINE', None)
    if env_engine:
        env['CAFFE_ENGINE'] = env_engine
    net = os.path.join(ROOT, 'benchmarks', 'nets', 'lenet.prototxt')
    out = subprocess.run([require_tool('caffe'), 'time', f'-model={net}', '-iterations=1'] + args,
                         env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stderr


@pytest.mark.parametrize('args,env_engine,expected', [
    ([], None, 'DNNL'),
    (['-engine=CAFFE'], None, 'CAFFE'),
    ([], 'CAFFE', 'CAFFE'),
    (['-engine=DNNL'], 'CAFFE', 'DNNL'),
])
def test_caffe_command_engine_choice(args, env_engine, expected):
    log = engine_log(args, env_engine)
    assert f'CPU engine: {expected}' in log


def test_caffe_command_rejects_unknown_engine():
    env = dict(os.environ)
    out = subprocess.run([require_tool('caffe'), 'time', '-model=x.prototxt', '-engine=MKL'],
                         env=env, capture_output=True, text=True)
    assert out.returncode == 1
    assert 'unknown CPU engine' in out.stderr


def test_pycaffe_engine_follows_environment():
    code = 'import caffe; print(caffe.cpu_engine())'
    for value, expected in (('CAFFE', 'CAFFE'), ('DNNL', 'DNNL')):
        env = dict(os.environ, CAFFE_ENGINE=value,
                   PYTHONPATH=os.path.join(ROOT, 'python'))
        out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                             text=True)
        assert out.stdout.strip() == expected, out.stderr
