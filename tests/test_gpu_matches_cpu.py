"""GPU vs CPU, one table for the layers whose own test files hold no GPU comparison
(BatchNorm, Scale, Bias, PReLU, Slice, Crop, Tile, ArgMax, Reduction, MVN, Deconvolution,
SigmoidCrossEntropy/Contrastive/Hinge/MultinomialLogistic/Infogain losses, Embed, Split,
Silence, Parameter, Filter, BatchReindex, Im2col, SPP, the recurrent layers RNN, LSTM, LSTMUnit
and the fork's Lstm and Repeat),
and for the paths of the GPU's segmented reduction (one thread per short segment, one
block per long one, several blocks per segment when there are few): forward values,
bottom and parameter gradients must agree. The other neuron layers are compared in
test_neurons.py. test_every_gpu_pass_has_a_gpu_comparison (which runs without a GPU) checks
that every layer and solver with a GPU pass is compared somewhere."""
import ast
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
LABEL3 = RNG.randint(0, 3, 2).astype(float)
WIDE = RNG.randn(4, 3, 40, 50)  # per channel: 8000 values, more than one block's piece

CASES = [
    ('type: "BatchNorm"', {'x': X}, ('out',)),
    ('type: "BatchNorm" batch_norm_param { use_global_stats: true }', {'x': X}, ('out',)),
    ('type: "Scale" scale_param { bias_term: true filler { type: "gaussian" } }', {'x': X}, ('out',)),
    ('type: "Scale"', {'x': X, 's': RNG.randn(3, 4)}, ('out',)),
    ('type: "Bias" bias_param { axis: 2 num_axes: 2 filler { type: "gaussian" } }', {'x': X}, ('out',)),
    ('type: "PReLU" prelu_param { filler { type: "gaussian" } }', {'x': X}, ('out',)),
    ('type: "Slice" slice_param { axis: 2 slice_point: 1 }', {'x': X}, ('a', 'b')),
    ('type: "Crop" crop_param { offset: 1 }', {'x': X, 'r': np.zeros((2, 3, 2, 3))}, ('out',)),
    ('type: "Tile" tile_param { tiles: 3 }', {'x': X}, ('out',)),
    ('type: "ArgMax" argmax_param { top_k: 2 out_max_val: true }', {'x': X}, ('out',)),
    ('type: "ArgMax" argmax_param { axis: 1 }', {'x': X}, ('out',)),
    ('type: "Reduction" reduction_param { operation: SUMSQ axis: 1 }', {'x': X}, ('out',)),
    ('type: "MVN"', {'x': X}, ('out',)),
    ('type: "Deconvolution" convolution_param { num_output: 4 kernel_size: 3 stride: 2 '
     'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }', {'x': X}, ('out',)),
    ('type: "SigmoidCrossEntropyLoss"', {'x': X, 'p': RNG.rand(*X.shape)}, ('out',)),
    ('type: "ContrastiveLoss"', {'a': RNG.randn(4, 3), 'b': RNG.randn(4, 3),
                                 'y': np.array([1.0, 0, 0, 1])}, ('out',)),
    ('type: "HingeLoss" hinge_loss_param { norm: L2 }', {'x': RNG.randn(2, 3), 'l': LABEL3}, ('out',)),
    ('type: "MultinomialLogisticLoss"', {'p': RNG.rand(2, 3), 'l': LABEL3}, ('out',)),
    ('type: "InfogainLoss"', {'x': RNG.randn(2, 3), 'l': LABEL3, 'H': RNG.rand(3, 3)}, ('out',)),
    ('type: "Embed" embed_param { input_dim: 4 num_output: 3 weight_filler { type: "gaussian" } }',
     {'i': np.array([0.0, 3, 3, 1])}, ('out',)),
    ('type: "Split"', {'x': X}, ('a', 'b')),
    ('type: "Silence"', {'x': X, 'y': LABEL3}, ()),
    ('type: "Parameter" parameter_param { shape { dim: 2 dim: 3 } }', {}, ('out',)),
    ('type: "Filter"', {'x': X, 's': np.array([1.0, 0])}, ('out',)),
    ('type: "BatchReindex"', {'x': X, 'p': np.array([1.0, 0, 1])}, ('out',)),
    ('type: "Im2col" convolution_param { kernel_size: 3 pad: 1 stride: 2 }', {'x': X}, ('out',)),
    ('type: "SPP" spp_param { pyramid_height: 3 pool: MAX }', {'x': RNG.randn(2, 3, 8, 9)}, ('out',)),
    ('type: "SPP" spp_param { pyramid_height: 2 pool: AVE }', {'x': RNG.randn(2, 3, 7, 6)}, ('out',)),
    ('type: "Repeat" repeat_param { num_repeats: 3 axis: 2 }', {'x': X}, ('out',)),
    ('type: "Lstm" lstm_param { num_output: 5 batch_size: 2 clipping_threshold: 0.05 '
     'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }',
     {'x': RNG.randn(8, 3), 'c': np.array([0.0, 0, 1, 1, 0, 1, 1, 1])}, ('out',)),
    ('type: "LSTM" recurrent_param { num_output: 4 weight_filler { type: "gaussian" } }',
     {'x': RNG.randn(4, 3, 2), 'c': np.array([[0.0] * 3, [1, 0, 1], [1] * 3, [1] * 3]),
      's': RNG.randn(3, 2)}, ('out',)),
    ('type: "LSTM" recurrent_param { num_output: 2 expose_hidden: true weight_filler { type: "gaussian" } }',
     {'x': RNG.randn(3, 2, 2), 'c': np.ones((3, 2)), 'h0': RNG.randn(1, 2, 2),
      'c0': RNG.randn(1, 2, 2)}, ('out', 'hT', 'cT')),
    ('type: "RNN" recurrent_param { num_output: 3 expose_hidden: true weight_filler { type: "gaussian" } }',
     {'x': RNG.randn(4, 2, 3), 'c': np.array([[0.0] * 2, [1, 0], [1] * 2, [1] * 2]),
      's': RNG.randn(2, 2), 'h0': RNG.randn(1, 2, 3)}, ('out', 'hT')),
    ('type: "LSTMUnit"', {'c': RNG.randn(1, 3, 2), 'x': RNG.randn(1, 3, 8),
                          'k': np.array([[1.0, 0, 1]])}, ('c_t', 'h_t')),
    # The reduction's paths: few long segments split over blocks (BatchNorm, Scale's
    # gradient, MVN across channels, Reduction to a scalar, the losses' totals), a block
    # per segment (a wide Softmax), a thread per short strided segment.
    ('type: "BatchNorm"', {'x': WIDE}, ('out',)),
    ('type: "Scale" scale_param { bias_term: true filler { type: "gaussian" } }', {'x': WIDE},
     ('out',)),
    ('type: "MVN" mvn_param { across_channels: true }', {'x': WIDE}, ('out',)),
    ('type: "Reduction" reduction_param { operation: MEAN }', {'x': WIDE}, ('out',)),
    ('type: "Reduction" reduction_param { operation: ASUM axis: 1 }', {'x': X}, ('out',)),
    ('type: "Softmax"', {'x': RNG.randn(3, 300)}, ('out',)),
    ('type: "Softmax" softmax_param { axis: 1 }', {'x': RNG.randn(2, 5, 30)}, ('out',)),
    ('type: "SoftmaxWithLoss" loss_param { ignore_label: 2 }',
     {'x': RNG.randn(2, 4, 30, 40), 'l': RNG.randint(0, 4, (2, 30, 40)).astype(float)}, ('out',)),
    ('type: "InfogainLoss" loss_param { ignore_label: 0 }',
     {'x': RNG.randn(6, 5), 'l': RNG.randint(0, 5, 6).astype(float), 'H': RNG.rand(5, 5)},
     ('out',)),
    ('type: "EuclideanLoss"', {'a': WIDE, 'b': WIDE[::-1].copy()}, ('out',)),
]


def run(layer, bottoms, tops, gpu, params=None):
    caffe.set_mode_gpu() if gpu else caffe.set_mode_cpu()
    net = layer_net(layer, bottoms, tops)
    for src, dst in zip(params or [], net.params.get('layer', [])):
        dst.data[...] = src
    net.forward()
    for t in tops:
        net.blobs[t].diff[...] = RandomState_for(t).uniform(-1, 1, net.blobs[t].data.shape)
    net.backward()
    return ([net.blobs[t].data.copy() for t in tops] + [net.blobs[b].diff.copy() for b in bottoms],
            [p.data.copy() for p in net.params.get('layer', [])],
            [p.diff.copy() for p in net.params.get('layer', [])])


def RandomState_for(name):
    return np.random.RandomState(sum(map(ord, name)))


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('layer,bottoms,tops', CASES)
def test_gpu_matches_cpu(layer, bottoms, tops):
    try:
        cpu_out, params, cpu_grads = run(layer, bottoms, tops, False)
        gpu_out, _, gpu_grads = run(layer, bottoms, tops, True, params)
    finally:
        caffe.set_mode_cpu()
    for a, b in zip(cpu_out + cpu_grads, gpu_out + gpu_grads):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def _read(pattern):
    return ''.join(open(p).read() for p in glob.glob(os.path.join(ROOT, pattern)))


def _gpu_comparison_sources():
    """The source of every test that skips without a GPU, with that of the module-level
    names (case tables, functions writing layer definitions) that it uses."""
    for path in glob.glob(os.path.join(ROOT, 'tests', 'test_*.py')):
        text = open(path).read()
        tree = ast.parse(text)
        top = {}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                top[node.name] = ast.get_source_segment(text, node)
            for target in node.targets if isinstance(node, ast.Assign) else []:
                if isinstance(target, ast.Name):
                    top[target.id] = ast.get_source_segment(text, node)
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            decorators = [ast.get_source_segment(text, d) for d in node.decorator_list]
            if not any('has_gpu' in d for d in decorators):
                continue
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            used |= {n.id for d in node.decorator_list for n in ast.walk(d) if isinstance(n, ast.Name)}
            yield ast.get_source_segment(text, node) + ''.join(top[n] for n in used if n in top)


def test_every_gpu_pass_has_a_gpu_comparison():
    """Runs without a GPU: every layer type whose class (or a base class) defines GPU
    passes in a .cu file appears in a test that compares the GPU with the CPU, and so
    does every solver with a GPU update."""
    with_gpu = set(re.findall(r'(?:DEFINE|INSTANTIATE)_LAYER_GPU_PASSES\((\w+)\)',
                              _read('src/caffe/layers/*.cu')))
    parent = dict(re.findall(r'class (\w+) : public (\w+)<', _read('include/caffe/layers/*.hpp')))

    def has_gpu_passes(cls):
        while cls:
            if cls in with_gpu:
                return True
            cls = parent.get(cls)
        return False

    registered = re.findall(r'REGISTER_LAYER_CLASS\((\w+)\)', _read('src/caffe/layers/*.cpp'))
    layer_types = {t for t in registered if has_gpu_passes(t + 'Layer')}
    assert len(layer_types) >= 40 and {'Convolution', 'Scale', 'ReLU', 'Split'} <= layer_types
    compared = set()
    for source in _gpu_comparison_sources():
        compared |= set(re.findall(r'type: \\?"(\w+)\\?"', source))
    assert layer_types - compared == set()

    solvers = set(re.findall(r'DEFINE_SOLVER_GPU_UPDATE\((\w+)Solver\)',
                             _read('src/caffe/solvers/*.cu')))
    from test_solvers import RULES  # test_solvers' GPU comparison runs every rule
    assert len(solvers) == 6 and solvers <= set(RULES)
