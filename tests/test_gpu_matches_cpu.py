"""GPU vs CPU for every layer type with a GPU pass, in float64 and float32: forward values,
bottom gradients, parameter gradients, and parameter data after a TRAIN pass (BatchNorm's
running statistics); then the same layers with the mode switched between forward and
backward (GPU forward, CPU backward and the other way round), which must agree with the
CPU alone -- state a pass leaves for the next one has to reach the other side. The table
also holds cases for each path of the GPU's segmented reduction (one thread per short
segment, one block per long one, several blocks per segment when there are few).

The comparisons need a GPU and skip without one. test_every_gpu_layer_has_a_case runs
everywhere: it lists the registered layer types, finds those whose class has GPU passes,
and fails when one of them has no case here (and so no comparison in either precision).
The layers' own test files hold further GPU cases (more parameter combinations, the
SpatialTransformer's kernel paths in test_gpu_spatial_transformer.py)."""
import glob
import os
import re

import numpy as np
import pytest

import caffe
from caffe_test_utils import layer_net
from conftest import ROOT

RNG = np.random.RandomState(37)
X = RNG.randn(2, 3, 4, 5)
POS = RNG.uniform(0.2, 2.0, (2, 3, 4, 5))
LABEL3 = RNG.randint(0, 3, 2).astype(float)
WIDE = RNG.randn(4, 3, 40, 50)  # per channel: 8000 values, more than one block's piece
THETA = np.array([1, 0, 0, 0, 1, 0]) + RNG.uniform(-0.3, 0.3, (2, 6))


def case(layer, bottoms, tops=('out',), phase=caffe.TRAIN, backward=True, files=None):
    """One comparison: the layer body, its bottoms, its tops; `files` (name -> text) are
    written to a temporary folder whose path replaces {tmp} in the layer body."""
    return pytest.param(dict(layer=layer, bottoms=bottoms, tops=tops, phase=phase,
                             backward=backward, files=files or {}),
                        id=re.sub(r'\s+', ' ', layer)[:60])


CASES = [
    # Element-wise neuron layers.
    case('type: "ReLU" relu_param { negative_slope: 0.1 }', {'x': X}),
    case('type: "Sigmoid"', {'x': X}),
    case('type: "TanH"', {'x': X}),
    case('type: "AbsVal"', {'x': X}),
    case('type: "BNLL"', {'x': X}),
    case('type: "ELU" elu_param { alpha: 0.5 }', {'x': X}),
    case('type: "Exp" exp_param { base: 2 scale: 0.5 shift: 1 }', {'x': X}),
    case('type: "Log" log_param { base: 10 scale: 2 shift: 1 }', {'x': POS}),
    case('type: "Power" power_param { power: 0.5 scale: 0.5 shift: 2 }', {'x': POS}),
    case('type: "Threshold" threshold_param { threshold: 0.2 }', {'x': X}),
    case('type: "Clip" clip_param { min: -0.55 max: 0.45 }', {'x': X}),
    case('type: "Swish" swish_param { beta: 2.5 }', {'x': X}),
    case('type: "PReLU" prelu_param { filler { type: "gaussian" } }', {'x': X}),
    case('type: "Dropout"', {'x': X}, phase=caffe.TEST),  # TRAIN draws differ by device
    # Vision layers.
    case('type: "Convolution" convolution_param { num_output: 4 kernel_size: 3 stride: 2 pad: 1 '
         'dilation: 2 group: 1 weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }',
         {'x': RNG.randn(2, 4, 9, 8)}),
    case('type: "Convolution" convolution_param { num_output: 6 kernel_size: 1 group: 2 '
         'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }',
         {'x': RNG.randn(2, 4, 5, 6)}),
    case('type: "Deconvolution" convolution_param { num_output: 4 kernel_size: 3 stride: 2 '
         'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }', {'x': X}),
    case('type: "Pooling" pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 }',
         {'x': RNG.randn(2, 3, 9, 8)}, tops=('out', 'mask')),
    case('type: "Pooling" pooling_param { pool: AVE kernel_size: 3 stride: 2 }',
         {'x': RNG.randn(2, 3, 9, 8)}),
    case('type: "Pooling" pooling_param { pool: STOCHASTIC kernel_size: 2 stride: 2 }',
         {'x': RNG.uniform(0.1, 1, (2, 3, 8, 8))}, phase=caffe.TEST),
    case('type: "LRN" lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 k: 2 }',
         {'x': RNG.randn(2, 6, 5, 4)}),
    case('type: "LRN" lrn_param { norm_region: WITHIN_CHANNEL local_size: 3 alpha: 0.5 beta: 0.75 }',
         {'x': RNG.randn(2, 6, 5, 4)}),
    case('type: "Im2col" convolution_param { kernel_size: 3 pad: 1 stride: 2 }', {'x': X}),
    case('type: "SPP" spp_param { pyramid_height: 3 pool: MAX }', {'x': RNG.randn(2, 3, 8, 9)}),
    case('type: "SPP" spp_param { pyramid_height: 2 pool: AVE }', {'x': RNG.randn(2, 3, 7, 6)}),
    case('type: "InnerProduct" inner_product_param { num_output: 7 '
         'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }', {'x': X}),
    case('type: "InnerProduct" inner_product_param { num_output: 5 transpose: true axis: 2 '
         'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }', {'x': X}),
    case('type: "SpatialTransformer" st_param { output_H: 5 output_W: 7 }',
         {'U': RNG.rand(2, 3, 6, 8), 'theta': THETA}),
    case('type: "SpatialTransformer" st_param { transform_type: "similarity" '
         'align_corners: true padding_mode: "border" }',
         {'U': RNG.rand(2, 3, 6, 8), 'theta': np.c_[RNG.uniform(0.6, 1.4, (2, 1)),
                                                    RNG.uniform(-0.5, 0.5, (2, 3))]}),
    # Normalisation and per-channel layers.
    case('type: "BatchNorm"', {'x': X}),
    case('type: "BatchNorm" batch_norm_param { use_global_stats: true }', {'x': X}),
    case('type: "BatchNorm" batch_norm_param { moving_average_fraction: 0.9 }', {'x': X},
         phase=caffe.TEST),
    case('type: "Scale" scale_param { bias_term: true filler { type: "gaussian" } }', {'x': X}),
    case('type: "Scale"', {'x': X, 's': RNG.randn(3, 4)}),
    case('type: "Bias" bias_param { axis: 2 num_axes: 2 filler { type: "gaussian" } }', {'x': X}),
    case('type: "MVN"', {'x': X}),
    case('type: "Softmax" softmax_param { axis: 2 }', {'x': X}),
    # Layers that move values around.
    case('type: "Concat" concat_param { axis: 1 }', {'a': X, 'b': RNG.randn(2, 2, 4, 5)}),
    case('type: "Slice" slice_param { axis: 2 slice_point: 1 }', {'x': X}, tops=('a', 'b')),
    case('type: "Split"', {'x': X}, tops=('a', 'b')),
    case('type: "Crop" crop_param { offset: 1 }', {'x': X, 'r': np.zeros((2, 3, 2, 3))}),
    case('type: "Tile" tile_param { tiles: 3 }', {'x': X}),
    case('type: "Eltwise" eltwise_param { operation: PROD }', {'a': X, 'b': POS}),
    case('type: "Eltwise" eltwise_param { operation: SUM coeff: 1 coeff: -2 }', {'a': X, 'b': POS}),
    case('type: "Eltwise" eltwise_param { operation: MAX }', {'a': X, 'b': RNG.randn(*X.shape)}),
    case('type: "ArgMax" argmax_param { top_k: 2 out_max_val: true }', {'x': X}),
    case('type: "ArgMax" argmax_param { axis: 1 }', {'x': X}),
    case('type: "Reduction" reduction_param { operation: SUMSQ axis: 1 }', {'x': X}),
    case('type: "Embed" embed_param { input_dim: 4 num_output: 3 weight_filler { type: "gaussian" } '
         'bias_filler { type: "gaussian" } }', {'i': np.array([0.0, 3, 3, 1])}),
    case('type: "Silence"', {'x': X, 'y': LABEL3}, tops=()),
    case('type: "Parameter" parameter_param { shape { dim: 2 dim: 3 } }', {}),
    case('type: "Filter"', {'x': X, 's': np.array([1.0, 0])}),
    case('type: "BatchReindex"', {'x': X, 'p': np.array([1.0, 0, 1])}),
    case('type: "Repeat" repeat_param { num_repeats: 3 axis: 2 }', {'x': X}),
    # Losses and metrics.
    case('type: "Accuracy" accuracy_param { top_k: 2 ignore_label: 1 }',
         {'s': RNG.randn(4, 5, 3), 'l': RNG.randint(0, 5, (4, 3)).astype(float)},
         tops=('acc', 'cls'), backward=False),
    case('type: "EuclideanLoss"', {'a': RNG.randn(3, 4), 'b': RNG.randn(3, 4)}),
    case('type: "SoftmaxWithLoss" loss_param { ignore_label: 1 }',
         {'x': RNG.randn(3, 4, 5), 'l': RNG.randint(0, 4, (3, 5)).astype(float)}),
    case('type: "SigmoidCrossEntropyLoss"', {'x': X, 'p': RNG.rand(*X.shape)}),
    case('type: "ContrastiveLoss"', {'a': RNG.randn(4, 3), 'b': RNG.randn(4, 3),
                                     'y': np.array([1.0, 0, 0, 1])}),
    case('type: "HingeLoss" hinge_loss_param { norm: L2 }', {'x': RNG.randn(2, 3), 'l': LABEL3}),
    case('type: "MultinomialLogisticLoss"', {'p': RNG.rand(2, 3), 'l': LABEL3}),
    case('type: "InfogainLoss"', {'x': RNG.randn(2, 3), 'l': LABEL3, 'H': RNG.rand(3, 3)}),
    case('type: "STLoss" st_loss_param { output_H: 5 output_W: 7 }',
         {'theta': RNG.uniform(-1.5, 1.5, (3, 6))}),
    case('type: "LocLoss" loc_loss_param { threshold: 0.5 }', {'x': RNG.uniform(-1.5, 1.5, (3, 6))}),
    case('type: "PowerFile" power_file_param { shift_file: "{tmp}/shift.txt" }',
         {'x': RNG.uniform(-1.5, 1.5, (3, 6))}, files={'shift.txt': '1 2 3 4 5 6'}),
    case('type: "SmoothL1Loss"', {'p': RNG.randn(3, 6), 't': RNG.randn(3, 6),
                                  'wi': RNG.rand(3, 6), 'wo': RNG.rand(3, 6)}),
    # Recurrent layers.
    case('type: "Lstm" lstm_param { num_output: 5 batch_size: 2 clipping_threshold: 0.05 '
         'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }',
         {'x': RNG.randn(8, 3), 'c': np.array([0.0, 0, 1, 1, 0, 1, 1, 1])}),
    case('type: "LSTM" recurrent_param { num_output: 4 weight_filler { type: "gaussian" } }',
         {'x': RNG.randn(4, 3, 2), 'c': np.array([[0.0] * 3, [1, 0, 1], [1] * 3, [1] * 3]),
          's': RNG.randn(3, 2)}),
    case('type: "LSTM" recurrent_param { num_output: 2 expose_hidden: true '
         'weight_filler { type: "gaussian" } }',
         {'x': RNG.randn(3, 2, 2), 'c': np.ones((3, 2)), 'h0': RNG.randn(1, 2, 2),
          'c0': RNG.randn(1, 2, 2)}, tops=('out', 'hT', 'cT')),
    case('type: "RNN" recurrent_param { num_output: 3 expose_hidden: true '
         'weight_filler { type: "gaussian" } }',
         {'x': RNG.randn(4, 2, 3), 'c': np.array([[0.0] * 2, [1, 0], [1] * 2, [1] * 2]),
          's': RNG.randn(2, 2), 'h0': RNG.randn(1, 2, 3)}, tops=('out', 'hT')),
    case('type: "LSTMUnit"', {'c': RNG.randn(1, 3, 2), 'x': RNG.randn(1, 3, 8),
                              'k': np.array([[1.0, 0, 1]])}, tops=('c_t', 'h_t')),
    # The reduction's paths: few long segments split over blocks (BatchNorm, Scale's
    # gradient, MVN across channels, Reduction to a scalar, the losses' totals), a block
    # per segment (a wide Softmax), a thread per short strided segment.
    case('type: "BatchNorm"', {'x': WIDE}),
    case('type: "Scale" scale_param { bias_term: true filler { type: "gaussian" } }', {'x': WIDE}),
    case('type: "MVN" mvn_param { across_channels: true }', {'x': WIDE}),
    case('type: "Reduction" reduction_param { operation: MEAN }', {'x': WIDE}),
    case('type: "Reduction" reduction_param { operation: ASUM axis: 1 }', {'x': X}),
    case('type: "Softmax"', {'x': RNG.randn(3, 300)}),
    case('type: "Softmax" softmax_param { axis: 1 }', {'x': RNG.randn(2, 5, 30)}),
    case('type: "SoftmaxWithLoss" loss_param { ignore_label: 2 }',
         {'x': RNG.randn(2, 4, 30, 40), 'l': RNG.randint(0, 4, (2, 30, 40)).astype(float)}),
    case('type: "InfogainLoss" loss_param { ignore_label: 0 }',
         {'x': RNG.randn(6, 5), 'l': RNG.randint(0, 5, 6).astype(float), 'H': RNG.rand(5, 5)}),
    case('type: "EuclideanLoss"', {'a': WIDE, 'b': WIDE[::-1].copy()}),
]

# Tolerances of GPU against CPU. float64: the two sides differ only in the order of
# additions (cuBLAS against OpenBLAS, block reductions) and in libm against CUDA's math.
# float32: the same, at float precision, and oneDNN runs some float layers on the CPU.
TOLERANCE = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=2e-4, atol=2e-5)}


def build(c, dtype, tmp_path):
    for name, text in c['files'].items():
        (tmp_path / name).write_text(text)
    layer = c['layer'].replace('{tmp}', str(tmp_path))
    return layer_net(layer, c['bottoms'], c['tops'], dtype=dtype, phase=c['phase'],
                     force_backward=c['backward'])


def top_diff(name, shape, dtype):
    return np.random.RandomState(sum(map(ord, name))).uniform(-1, 1, shape).astype(dtype)


def run(c, dtype, tmp_path, forward_mode, backward_mode, params=None):
    """Builds the case's net (parameters copied from `params` when given), runs forward in
    forward_mode and backward in backward_mode; returns the initial parameters and the
    results: tops, bottom diffs, parameter data and parameter diffs."""
    caffe.set_mode_cpu()
    net = build(c, dtype, tmp_path)
    layer_params = net.params.get('layer', [])
    for src, dst in zip(params or [], layer_params):
        dst.data[...] = src
    initial = [p.data.copy() for p in layer_params]
    try:
        forward_mode()
        net.forward()
        if c['backward']:
            for t in c['tops']:
                net.blobs[t].diff[...] = top_diff(t, net.blobs[t].data.shape, dtype)
            backward_mode()
            net.backward()
    finally:
        caffe.set_mode_cpu()
    results = [net.blobs[t].data.copy() for t in c['tops']]
    if c['backward']:
        results += [net.blobs[b].diff.copy() for b in c['bottoms']]
    results += [p.data.copy() for p in layer_params]
    if c['backward']:
        results += [p.diff.copy() for p in layer_params]
    return initial, results


def compare(expected, got, dtype, what):
    assert len(expected) == len(got)
    for i, (a, b) in enumerate(zip(expected, got)):
        scale = max(1.0, float(np.max(np.abs(a)))) if a.size else 1.0
        tol = TOLERANCE[dtype]
        np.testing.assert_allclose(b, a, rtol=tol['rtol'], atol=tol['atol'] * scale,
                                   err_msg=f'{what}: result {i} differs')


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('dtype', [np.float64, np.float32], ids=['float64', 'float32'])
@pytest.mark.parametrize('c', CASES)
def test_gpu_matches_cpu(c, dtype, tmp_path):
    params, cpu = run(c, dtype, tmp_path, caffe.set_mode_cpu, caffe.set_mode_cpu)
    _, gpu = run(c, dtype, tmp_path, caffe.set_mode_gpu, caffe.set_mode_gpu, params)
    compare(cpu, gpu, dtype, 'GPU against CPU')


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('switch', ['gpu-forward-cpu-backward', 'cpu-forward-gpu-backward'])
@pytest.mark.parametrize('c', [c for c in CASES if c.values[0]['backward']])
def test_mode_switch_between_forward_and_backward(c, switch, tmp_path):
    params, cpu = run(c, np.float64, tmp_path, caffe.set_mode_cpu, caffe.set_mode_cpu)
    modes = (caffe.set_mode_gpu, caffe.set_mode_cpu) if switch.startswith('gpu') else \
        (caffe.set_mode_cpu, caffe.set_mode_gpu)
    _, mixed = run(c, np.float64, tmp_path, *modes, params=params)
    compare(cpu, mixed, np.float64, switch)


def _read(pattern):
    return ''.join(open(p).read() for p in glob.glob(os.path.join(ROOT, pattern)))


def gpu_layer_types():
    """The registered layer types whose class, or a base class, defines GPU passes."""
    with_gpu = set(re.findall(r'(?:DEFINE|INSTANTIATE)_LAYER_GPU_PASSES\((\w+)\)',
                              _read('src/caffe/layers/*.cu')))
    parent = dict(re.findall(r'class (\w+) : public (\w+)<', _read('include/caffe/layers/*.hpp')))

    def has_gpu_passes(cls):
        while cls:
            if cls in with_gpu:
                return True
            cls = parent.get(cls)
        return False

    registered = set(re.findall(r'REGISTER_LAYER_CLASS\((\w+)\)', _read('src/caffe/layers/*.cpp')))
    # Every type the registry knows is found in the sources (pycaffe adds Python, whose
    # passes are Python code), so none can escape the check below.
    assert set(caffe.layer_type_list()) - {'Python'} == registered
    return {t for t in registered if has_gpu_passes(t + 'Layer')}


def test_every_gpu_layer_has_a_case():
    """Runs without a GPU: every registered layer type with GPU passes has a case above, so
    it is compared with the CPU in float64 and float32 and across a mode switch; and every
    solver with a GPU update is compared in test_solvers.py."""
    layer_types = gpu_layer_types()
    assert len(layer_types) >= 50 and {'Convolution', 'Scale', 'ReLU', 'SpatialTransformer'} <= layer_types
    cased = {re.match(r'type: "(\w+)"', c.values[0]['layer']).group(1) for c in CASES}
    assert layer_types - cased == set()
    assert cased - layer_types == set()  # no case for a layer without GPU passes

    solvers = set(re.findall(r'DEFINE_SOLVER_GPU_UPDATE\((\w+)Solver\)',
                             _read('src/caffe/solvers/*.cu')))
    from test_solvers import RULES  # test_solvers' GPU comparison runs every rule
    assert len(solvers) == 6 and solvers <= set(RULES)
