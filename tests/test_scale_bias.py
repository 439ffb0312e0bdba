"""Scale and Bias: learned or second-bottom operands broadcast over axis/num_axes, the
optional bias of Scale, gradients vs finite differences, shape errors."""
import numpy as np
import pytest

from caffe_test_utils import check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(5)


def broadcast(operand, x_ndim, axis):
    return operand.reshape((1,) * axis + operand.shape + (1,) * (x_ndim - axis - operand.ndim))


@pytest.mark.parametrize('axis,shape', [(1, (3,)), (0, (2, 3)), (2, (4, 5)), (1, ())])
def test_scale_by_second_bottom(axis, shape):
    x, s = RNG.randn(2, 3, 4, 5), np.asarray(RNG.randn(*shape))
    out = layer_forward(f'type: "Scale" scale_param {{ axis: {axis} }}', {'x': x, 's': s},
                        dtype=np.float64)['out']
    np.testing.assert_allclose(out, x * broadcast(s, 4, axis if s.ndim else 0))


def test_bias_by_second_bottom():
    x, b = RNG.randn(2, 3, 4), RNG.randn(3, 4)
    out = layer_forward('type: "Bias"', {'x': x, 'b': b}, dtype=np.float64)['out']
    np.testing.assert_allclose(out, x + b[None])


def test_learned_scale_with_bias_and_fillers():
    x = RNG.randn(2, 3, 4)
    layer = ('type: "Scale" scale_param { axis: 1 num_axes: -1 bias_term: true '
             'filler { type: "constant" value: 2 } bias_filler { type: "constant" value: 0.5 } }')
    net = layer_net(layer, {'x': x})
    assert [p.data.shape for p in net.params['layer']] == [(3, 4), (3, 4)]
    net.forward()
    np.testing.assert_allclose(net.blobs['out'].data, 2 * x + 0.5)
    # Defaults: scale 1, Bias 0.
    np.testing.assert_allclose(layer_forward('type: "Scale"', {'x': x}, dtype=np.float64)['out'], x)
    np.testing.assert_allclose(layer_forward('type: "Bias"', {'x': x}, dtype=np.float64)['out'], x)


GRADIENT_CASES = [
    ('type: "Scale" scale_param { filler { type: "gaussian" } }', {'x': (2, 3, 2)}),
    ('type: "Scale" scale_param { axis: 0 num_axes: 2 bias_term: true '
     'filler { type: "gaussian" } bias_filler { type: "gaussian" } }', {'x': (2, 3, 2)}),
    ('type: "Scale" scale_param { bias_term: true bias_filler { type: "gaussian" } }',
     {'x': (2, 3, 2), 's': (3, 2)}),
    ('type: "Bias" bias_param { filler { type: "gaussian" } }', {'x': (2, 3, 2)}),
    ('type: "Bias" bias_param { axis: 2 }', {'x': (2, 3, 2), 'b': (2,)}),
]


@pytest.mark.parametrize('layer,shapes', GRADIENT_CASES)
def test_gradient(layer, shapes):
    check_gradient(layer, {k: RNG.randn(*s) for k, s in shapes.items()})


def test_in_place_scale_gradient():
    text = '''name: "n" force_backward: true
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "copy" type: "Power" bottom: "x" top: "y" }
layer { name: "scale" type: "Scale" bottom: "y" top: "y"
        scale_param { filler { type: "constant" value: 3 } } }'''
    import os, tempfile
    import caffe
    with tempfile.NamedTemporaryFile('w', suffix='.prototxt', delete=False) as f:
        f.write(text)
    net = caffe.Net(f.name, caffe.TRAIN, dtype=np.float64)
    os.unlink(f.name)
    x = RNG.randn(2, 3)
    net.blobs['x'].data[...] = x
    net.forward()
    net.blobs['y'].diff[...] = 1
    net.backward()
    np.testing.assert_allclose(net.params['scale'][0].diff, x.sum(axis=0))
    np.testing.assert_allclose(net.blobs['x'].diff, np.full((2, 3), 3.0))


def test_mismatched_operand_is_rejected():
    with pytest.raises(Exception, match=r"Scale.*must match the axes"):
        layer_forward('type: "Scale"', {'x': RNG.randn(2, 3, 4), 's': RNG.randn(4)})
    with pytest.raises(Exception, match=r"Bias.*num_axes"):
        layer_forward('type: "Bias" bias_param { num_axes: 5 }', {'x': RNG.randn(2, 3)})
