"""Further neuron layers: ELU, AbsVal, Exp, Log, BNLL, Threshold, PReLU (forward vs numpy,
gradients vs finite differences, in-place use, parameter errors)."""
import numpy as np
import pytest

from caffe_test_utils import check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(11)


def away_from_zero(shape, lo=0.05):
    x = RNG.uniform(lo, 1, shape)
    return x * np.where(RNG.rand(*shape) < 0.5, -1, 1)


ELEMENTWISE = [
    ('type: "ELU"', lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    ('type: "ELU" elu_param { alpha: 0.5 }', lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
    ('type: "AbsVal"', np.abs),
    ('type: "Exp"', np.exp),
    ('type: "Exp" exp_param { base: 2 scale: 0.5 shift: 1 }', lambda x: 2.0 ** (1 + 0.5 * x)),
    ('type: "Log" log_param { shift: 2 }', lambda x: np.log(x + 2)),
    ('type: "Log" log_param { base: 10 scale: 2 shift: 3 }', lambda x: np.log10(2 * x + 3)),
    ('type: "BNLL"', lambda x: np.log1p(np.exp(x))),
    ('type: "Threshold" threshold_param { threshold: 0.2 }', lambda x: (x > 0.2).astype(x.dtype)),
    ('type: "PReLU"', lambda x: np.where(x > 0, x, 0.25 * x)),
    ('type: "PReLU" prelu_param { channel_shared: true filler { type: "constant" value: -0.3 } }',
     lambda x: np.where(x > 0, x, -0.3 * x)),
]


@pytest.mark.parametrize('layer,ref', ELEMENTWISE)
def test_forward_matches_numpy(layer, ref):
    x = away_from_zero((2, 3, 4))
    out = layer_forward(layer, {'x': x}, dtype=np.float64)['out']
    np.testing.assert_allclose(out, ref(x), rtol=1e-6, atol=1e-7)


def test_bnll_does_not_overflow():
    x = np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]])
    out = layer_forward('type: "BNLL"', {'x': x}, dtype=np.float64)['out']
    np.testing.assert_allclose(out, np.logaddexp(0, x), atol=1e-15)


@pytest.mark.parametrize('layer,ref', ELEMENTWISE)
def test_gradient(layer, ref):
    x = away_from_zero((2, 3, 2))
    if 'Threshold' in layer:
        x[np.abs(x - 0.2) < 0.05] = 0.5
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


@pytest.mark.parametrize('layer', ['type: "ELU"', 'type: "AbsVal"', 'type: "Log" log_param { shift: 2 }',
                                   'type: "BNLL"', 'type: "PReLU"'])
def test_in_place_gradient(layer):
    import os, tempfile
    import caffe
    text = f'''name: "n" force_backward: true
layer {{ name: "in" type: "Input" top: "x" input_param {{ shape {{ dim: 2 dim: 3 }} }} }}
layer {{ name: "copy" type: "Power" bottom: "x" top: "y" }}
layer {{ name: "n" bottom: "y" top: "y" {layer} }}'''
    with tempfile.NamedTemporaryFile('w', suffix='.prototxt', delete=False) as f:
        f.write(text)
    net = caffe.Net(f.name, caffe.TRAIN, dtype=np.float64)
    os.unlink(f.name)
    x = away_from_zero((2, 3))
    net.blobs['x'].data[...] = x
    net.forward()
    net.blobs['y'].diff[...] = 1
    net.backward()
    inplace = net.blobs['x'].diff.copy()
    ref = layer_net(layer, {'x': x})
    ref.forward()
    ref.blobs['out'].diff[...] = 1
    ref.backward()
    np.testing.assert_allclose(inplace, ref.blobs['x'].diff)


@pytest.mark.parametrize('layer,match', [
    ('type: "Exp" exp_param { base: -2 }', r"Exp.*base must be positive"),
    ('type: "Log" log_param { base: 1 }', r"Log.*base must be positive and not 1"),
])
def test_bad_parameters_are_rejected(layer, match):
    with pytest.raises(Exception, match=match):
        layer_forward(layer, {'x': RNG.rand(2, 3)})


def test_prelu_needs_channels():
    with pytest.raises(Exception, match=r"PReLU.*at least 2 axes"):
        layer_forward('type: "PReLU"', {'x': RNG.rand(4)})
