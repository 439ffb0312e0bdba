"""Flatten and Reshape: output shapes (including 0 = copy and -1 = infer), shared
memory (no copy), gradients passed through, and shape errors."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(2)
X = RNG.randn(2, 3, 4, 5)


@pytest.mark.parametrize('param,shape', [
    ('', (2, 60)),
    ('flatten_param { axis: 2 }', (2, 3, 20)),
    ('flatten_param { axis: 1 end_axis: 2 }', (2, 12, 5)),
    ('flatten_param { axis: 0 end_axis: -2 }', (24, 5)),
    ('flatten_param { axis: -1 }', (2, 3, 4, 5)),
])
def test_flatten(param, shape):
    out = layer_forward('type: "Flatten" ' + param, {'x': X}, dtype=np.float64)['out']
    assert out.shape == shape
    np.testing.assert_array_equal(out, X.reshape(shape))


def test_flatten_gradient_and_bad_axes():
    check_gradient('type: "Flatten"', {'x': RNG.randn(2, 3, 2)})
    with pytest.raises(caffe.CaffeError, match="must not come after end_axis"):
        layer_forward('type: "Flatten" flatten_param { axis: 2 end_axis: 1 }', {'x': X})
    with pytest.raises(caffe.CaffeError, match="flatten_param.axis must be in"):
        layer_forward('type: "Flatten" flatten_param { axis: 4 }', {'x': X})


def reshape(dims, extra=''):
    return ('type: "Reshape" reshape_param { shape { ' +
            ' '.join(f'dim: {d}' for d in dims) + ' } ' + extra + ' }')


@pytest.mark.parametrize('dims,extra,shape', [
    ((6, 20), '', (6, 20)),
    ((0, -1), '', (2, 60)),
    ((0, 0, -1), '', (2, 3, 20)),
    ((-1, 4, 5), '', (6, 4, 5)),
    ((0, 0, 2, 2, -1), '', (2, 3, 2, 2, 5)),
    ((2, 2), 'axis: 2 num_axes: 1', (2, 3, 2, 2, 5)),
    ((-1,), 'axis: 1', (2, 60)),
    ((1, 1), 'axis: 0 num_axes: 0', (1, 1, 2, 3, 4, 5)),
    ((1,), 'axis: -1', (2, 3, 4, 5, 1)),
    ((0, -1), 'axis: 1 num_axes: 2', (2, 3, 4, 5)),
])
def test_reshape_shapes(dims, extra, shape):
    out = layer_forward(reshape(dims, extra), {'x': X}, dtype=np.float64)['out']
    assert out.shape == shape
    np.testing.assert_array_equal(out.reshape(-1), X.reshape(-1))


def test_reshape_shares_memory_and_passes_gradient():
    net = layer_net(reshape((0, -1)), {'x': X})
    net.forward()
    net.blobs['x'].data[0, 0, 0, 0] = 42  # no forward: the top sees it through shared memory
    assert net.blobs['out'].data[0, 0] == 42
    check_gradient(reshape((-1, 3)), {'x': RNG.randn(2, 3, 2)})


def test_bad_reshapes():
    with pytest.raises(caffe.CaffeError, match=r"has 42 elements but the bottom .* has 120"):
        layer_forward(reshape((6, 7)), {'x': X})
    with pytest.raises(caffe.CaffeError, match="cannot infer the -1 dimension"):
        layer_forward(reshape((7, -1)), {'x': X})
    with pytest.raises(caffe.CaffeError, match="at most one -1"):
        layer_forward(reshape((-1, -1)), {'x': X})
    with pytest.raises(caffe.CaffeError, match="has 0 \\(copy\\) at position 4"):
        layer_forward(reshape((0, 0, 0, 0, 0)), {'x': X})
    with pytest.raises(caffe.CaffeError, match="dimensions must be positive"):
        layer_forward(reshape((-2, 60)), {'x': X})
    with pytest.raises(caffe.CaffeError, match="reaches past the 4 axes"):
        layer_forward(reshape((1,), 'axis: 2 num_axes: 3'), {'x': X})
