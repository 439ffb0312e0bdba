"""Neuron layers: ReLU, Sigmoid, TanH, Power, ELU, AbsVal, Exp, Log, BNLL, Threshold, Clip,
Swish, PReLU, Dropout (forward vs numpy, gradients vs finite differences, dropout statistics, in-place use
inside a net, parameter errors, GPU vs CPU)."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(7)


def away_from_zero(shape, lo=0.05):
    """Values in [-1, 1] at least `lo` away from the kink at 0."""
    x = RNG.uniform(lo, 1, shape)
    return x * np.where(RNG.rand(*shape) < 0.5, -1, 1)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


ELEMENTWISE = [
    ('type: "ReLU"', lambda x: np.maximum(x, 0)),
    ('type: "ReLU" relu_param { negative_slope: 0.1 }', lambda x: np.where(x > 0, x, 0.1 * x)),
    ('type: "ReLU" relu_param { negative_slope: -0.5 }', lambda x: np.where(x > 0, x, -0.5 * x)),
    ('type: "Sigmoid"', sigmoid),
    ('type: "TanH"', np.tanh),
    ('type: "Power"', lambda x: x),
    ('type: "Power" power_param { power: 2 scale: 1.5 shift: -0.3 }',
     lambda x: (1.5 * x - 0.3) ** 2),
    ('type: "Power" power_param { power: 0.5 scale: 0.5 shift: 2 }',
     lambda x: np.sqrt(0.5 * x + 2)),
    ('type: "Power" power_param { power: -1.5 scale: 2 shift: 3 }',
     lambda x: (2 * x + 3) ** -1.5),
    ('type: "Power" power_param { power: 0 scale: 2 shift: 3 }', lambda x: np.ones_like(x)),
    ('type: "Power" power_param { power: 3 scale: 0 shift: 2 }', lambda x: np.full_like(x, 8)),
    ('type: "ELU"', lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    ('type: "ELU" elu_param { alpha: 0.5 }', lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
    ('type: "AbsVal"', np.abs),
    ('type: "Exp"', np.exp),
    ('type: "Exp" exp_param { base: 2 scale: 0.5 shift: 1 }', lambda x: 2.0 ** (1 + 0.5 * x)),
    ('type: "Log" log_param { shift: 2 }', lambda x: np.log(x + 2)),
    ('type: "Log" log_param { base: 10 scale: 2 shift: 3 }', lambda x: np.log10(2 * x + 3)),
    ('type: "BNLL"', lambda x: np.log1p(np.exp(x))),
    ('type: "Threshold" threshold_param { threshold: 0.2 }', lambda x: (x > 0.2).astype(x.dtype)),
    ('type: "Clip" clip_param { min: -0.55 max: 0.45 }', lambda x: np.minimum(np.maximum(x, -0.55), 0.45)),
    ('type: "Swish"', lambda x: x / (1 + np.exp(-x))),
    ('type: "Swish" swish_param { beta: 2.5 }', lambda x: x / (1 + np.exp(-2.5 * x))),
    ('type: "PReLU"', lambda x: np.where(x > 0, x, 0.25 * x)),
    ('type: "PReLU" prelu_param { channel_shared: true filler { type: "constant" value: -0.3 } }',
     lambda x: np.where(x > 0, x, -0.3 * x)),
]


@pytest.mark.parametrize('layer,ref', ELEMENTWISE)
def test_forward_matches_numpy(layer, ref):
    x = away_from_zero((2, 3, 4, 5))
    out = layer_forward(layer, {'x': x})['out']
    np.testing.assert_allclose(out, ref(x), rtol=1e-5, atol=1e-6)
    # float64 nets still read float32 prototxt parameters (0.1 is not exact).
    out = layer_forward(layer, {'x': x}, dtype=np.float64)['out']
    np.testing.assert_allclose(out, ref(x), rtol=1e-6, atol=1e-7)


def test_sigmoid_does_not_overflow():
    x = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    out = layer_forward('type: "Sigmoid"', {'x': x})['out']
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, sigmoid(np.clip(x, -60, 60)), atol=1e-7)


def test_bnll_does_not_overflow():
    x = np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]])
    out = layer_forward('type: "BNLL"', {'x': x}, dtype=np.float64)['out']
    np.testing.assert_allclose(out, np.logaddexp(0, x), atol=1e-15)


@pytest.mark.parametrize('layer,ref', ELEMENTWISE)
def test_gradient(layer, ref):
    x = away_from_zero((2, 3, 3))
    if 'Threshold' in layer:
        x[np.abs(x - 0.2) < 0.05] = 0.5  # away from the step
    check_gradient(layer, {'x': x})


def test_prelu_per_channel_slopes_and_gradient():
    x = away_from_zero((2, 3, 2, 2))
    layer = 'type: "PReLU" prelu_param { filler { type: "gaussian" } }'
    net = layer_net(layer, {'x': x})
    net.forward()
    a = net.params['layer'][0].data
    assert a.shape == (3,)
    np.testing.assert_allclose(net.blobs['out'].data,
                               np.where(x > 0, x, a.reshape(1, 3, 1, 1) * x))
    check_gradient(layer, {'x': x})


def _numeric_input_gradient(net, inp, out, w, eps=1e-6):
    x = net.blobs[inp].data
    grad = np.zeros_like(x)
    for i in range(x.size):
        orig = x.flat[i]
        vals = []
        for v in (orig + eps, orig - eps):
            x.flat[i] = v
            net.forward()
            vals.append(np.sum(net.blobs[out].data * w))
        x.flat[i] = orig
        grad.flat[i] = (vals[0] - vals[1]) / (2 * eps)
    return grad


def _in_place_net(layer):
    return f'''
name: "inplace" force_backward: true
layer {{ name: "in" type: "Input" top: "x" input_param {{ shape {{ dim: 2 dim: 3 dim: 4 }} }} }}
layer {{ name: "affine" type: "Power" bottom: "x" top: "y" power_param {{ scale: 1.5 shift: 0.2 }} }}
layer {{ name: "neuron" bottom: "y" top: "y" {layer} }}
'''


@pytest.mark.parametrize('layer,ref', ELEMENTWISE + [('type: "Dropout"', lambda x: x)])
def test_in_place_forward_and_gradient(layer, ref):
    # TEST phase: dropout is the identity, so the net is deterministic.
    net = caffe.Net.from_string(_in_place_net(layer), caffe.TEST, dtype=np.float64)
    x = away_from_zero((2, 3, 4), lo=0.2) - 0.2 / 1.5  # keeps 1.5 x + 0.2 away from 0
    net.blobs['x'].data[...] = x
    net.forward()
    affine = np.float32(1.5) * x + np.float32(0.2)  # prototxt parameters are float32
    np.testing.assert_allclose(net.blobs['y'].data, ref(affine), rtol=1e-6, atol=1e-12)
    w = RNG.uniform(-1, 1, x.shape)
    net.blobs['y'].diff[...] = w
    net.backward()
    analytic = net.blobs['x'].diff.copy()
    numeric = _numeric_input_gradient(net, 'x', 'y', w)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_in_place_relu_then_dropout_in_train():
    # The usual BVLC pattern: ReLU and Dropout both in place on one blob.
    text = _in_place_net('type: "ReLU"') + \
        'layer { name: "drop" type: "Dropout" bottom: "y" top: "y" }\n'
    net = caffe.Net.from_string(text, caffe.TRAIN, dtype=np.float64)
    x = away_from_zero((2, 3, 4), lo=0.2) - 0.2 / 1.5
    net.blobs['x'].data[...] = x
    net.forward()
    y = net.blobs['y'].data.copy()
    relu = np.maximum(np.float32(1.5) * x + np.float32(0.2), 0)
    kept = y != 0
    assert 0 < kept.sum() < kept.size
    np.testing.assert_allclose(y[kept], 2 * relu[kept], rtol=1e-12)
    w = RNG.uniform(-1, 1, x.shape)
    net.blobs['y'].diff[...] = w
    net.backward()
    expected = np.where(kept, 2 * w * np.float32(1.5), 0)
    np.testing.assert_allclose(net.blobs['x'].diff, expected, rtol=1e-12)


def test_dropout_statistics():
    caffe.set_random_seed(1701)
    ratio = 0.3
    x = RNG.uniform(0.5, 1.5, (50, 40, 50))
    net = layer_net(f'type: "Dropout" dropout_param {{ dropout_ratio: {ratio} }}', {'x': x},
                    phase=caffe.TRAIN)
    net.forward()
    y = net.blobs['out'].data
    zeroed = np.mean(y == 0)
    assert abs(zeroed - ratio) < 0.01
    kept = y != 0
    scale = 1 / (1 - float(np.float32(ratio)))  # dropout_ratio is a float32 field
    np.testing.assert_allclose(y[kept], x[kept] * scale, rtol=1e-12)
    # Backward applies the same mask and scale to the gradient.
    dy = RNG.uniform(-1, 1, x.shape)
    net.blobs['out'].diff[...] = dy
    net.backward()
    np.testing.assert_allclose(net.blobs['x'].diff, np.where(kept, dy * scale, 0),
                               rtol=1e-12)
    # A new forward draws a new mask.
    net.forward()
    assert np.mean((net.blobs['out'].data != 0) != kept) > 0.2


def test_dropout_repeats_with_seed():
    x = np.ones((1000,))
    masks = []
    for _ in range(2):
        caffe.set_random_seed(42)
        masks.append(layer_forward('type: "Dropout"', {'x': x}, phase=caffe.TRAIN)['out'] != 0)
    np.testing.assert_array_equal(masks[0], masks[1])


def test_dropout_test_phase_is_identity():
    x = RNG.uniform(-1, 1, (4, 5))
    out = layer_forward('type: "Dropout" dropout_param { dropout_ratio: 0.7 }', {'x': x},
                        phase=caffe.TEST)['out']
    np.testing.assert_array_equal(out, x.astype(np.float32))
    check_gradient('type: "Dropout"', {'x': x}, phase=caffe.TEST)


def test_dropout_without_train_scaling():
    caffe.set_random_seed(3)
    layer = 'type: "Dropout" dropout_param { dropout_ratio: 0.25 scale_train: false }'
    x = RNG.uniform(0.5, 1.5, (20000,))
    train = layer_forward(layer, {'x': x}, dtype=np.float64, phase=caffe.TRAIN)['out']
    kept = train != 0
    assert abs(np.mean(~kept) - 0.25) < 0.02
    np.testing.assert_array_equal(train[kept], x[kept])
    test = layer_forward(layer, {'x': x}, dtype=np.float64, phase=caffe.TEST)['out']
    np.testing.assert_allclose(test, (1 - float(np.float32(0.25))) * x, rtol=1e-12)


def test_dropout_ratio_zero_keeps_everything():
    x = RNG.uniform(0.5, 1.5, (1000,))
    out = layer_forward('type: "Dropout" dropout_param { dropout_ratio: 0 }', {'x': x},
                        dtype=np.float64, phase=caffe.TRAIN)['out']
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize('layer,match', [
    ('type: "Exp" exp_param { base: -2 }', r"Exp.*base must be positive"),
    ('type: "Log" log_param { base: 1 }', r"Log.*base must be positive and not 1"),
])
def test_bad_parameters_are_rejected(layer, match):
    with pytest.raises(caffe.CaffeError, match=match):
        layer_forward(layer, {'x': RNG.rand(2, 3)})


def test_clip_needs_ordered_bounds():
    with pytest.raises(caffe.CaffeError, match=r"Clip.*min \(1\) must not exceed clip_param.max \(0\)"):
        layer_forward('type: "Clip" clip_param { min: 1 max: 0 }', {'x': RNG.rand(2, 3)})


def test_prelu_needs_channels():
    with pytest.raises(caffe.CaffeError, match=r"PReLU.*at least 2 axes"):
        layer_forward('type: "PReLU"', {'x': RNG.rand(4)})


def test_bad_dropout_ratio():
    with pytest.raises(caffe.CaffeError, match=r"dropout_ratio must be in \[0, 1\), got 1"):
        layer_forward('type: "Dropout" dropout_param { dropout_ratio: 1 }', {'x': np.ones(3)})


def test_neuron_takes_one_bottom():
    with pytest.raises(caffe.CaffeError, match='ReLU.*exactly 1 bottom'):
        layer_forward('type: "ReLU"', {'a': np.ones(3), 'b': np.ones(3)})


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('layer', [l for l, _ in ELEMENTWISE] + ['type: "Dropout"'])
def test_gpu_matches_cpu(layer):
    x = away_from_zero((3, 4, 5))
    dy = RNG.uniform(-1, 1, x.shape)
    phase = caffe.TEST if 'Dropout' in layer else caffe.TRAIN
    results = []
    for gpu in (False, True):
        caffe.set_mode_gpu() if gpu else caffe.set_mode_cpu()
        net = layer_net(layer, {'x': x}, phase=phase)
        net.forward()
        net.blobs['out'].diff[...] = dy
        net.backward()
        results.append((net.blobs['out'].data.copy(), net.blobs['x'].diff.copy()))
    caffe.set_mode_cpu()
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
def test_gpu_dropout_statistics_and_in_place():
    caffe.set_mode_gpu()
    try:
        text = _in_place_net('type: "ReLU"') + \
            'layer { name: "drop" type: "Dropout" bottom: "y" top: "y" }\n'
        net = caffe.Net.from_string(text, caffe.TRAIN, dtype=np.float64)
        net.blobs['x'].data[...] = RNG.uniform(0.5, 1.5, net.blobs['x'].data.shape)
        net.forward()
        y = net.blobs['y'].data.copy()
        net.blobs['y'].diff[...] = 1
        net.backward()
        assert np.all((net.blobs['x'].diff == 0) == (y == 0))
        x = RNG.uniform(0.5, 1.5, (100000,))
        out = layer_forward('type: "Dropout"', {'x': x}, dtype=np.float64,
                            phase=caffe.TRAIN)['out']
        assert abs(np.mean(out == 0) - 0.5) < 0.01
        np.testing.assert_allclose(out[out != 0], 2 * x[out != 0], rtol=1e-12)
    finally:
        caffe.set_mode_cpu()
