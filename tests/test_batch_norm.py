"""BatchNorm: batch statistics (TRAIN), stored statistics (TEST / use_global_stats), the
running-average update, gradients vs finite differences."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(3)


def normalize(x, mean, var, eps):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)


def batch_stats(x):
    axes = (0,) + tuple(range(2, x.ndim))
    return x.mean(axis=axes), x.var(axis=axes)


@pytest.mark.parametrize('shape', [(4, 3, 2, 5), (6, 2)])
def test_train_forward_uses_batch_statistics(shape):
    x = RNG.randn(*shape) * 2 + 1
    out = layer_forward('type: "BatchNorm"', {'x': x}, dtype=np.float64, phase=caffe.TRAIN)['out']
    mean, var = batch_stats(x)
    np.testing.assert_allclose(out, normalize(x, mean, var, 1e-5), rtol=1e-10, atol=1e-10)


def test_running_statistics_and_test_phase():
    x1, x2 = RNG.randn(3, 2, 4), RNG.randn(3, 2, 4) + 2
    layer = 'type: "BatchNorm" batch_norm_param { moving_average_fraction: 0.9 eps: 0.0625 }'
    net = layer_net(layer, {'x': x1})
    net.forward()
    net.blobs['x'].data[...] = x2
    net.forward()
    m = 3 * 4
    (m1, v1), (m2, v2) = batch_stats(x1), batch_stats(x2)
    stored = [p.data for p in net.params['layer']]
    np.testing.assert_allclose(stored[0], 0.9 * m1 + m2)
    np.testing.assert_allclose(stored[1], (0.9 * v1 + v2) * m / (m - 1))
    np.testing.assert_allclose(stored[2], [1.9])
    # TEST phase (use_global_stats by default) normalizes with sums / weight.
    test = layer_net(layer, {'x': x1}, phase=caffe.TEST)
    for src, dst in zip(stored, test.params['layer']):
        dst.data[...] = src
    test.forward()
    w = stored[2][0]  # 0.9 is stored as a float
    expected = normalize(x1, stored[0] / w, stored[1] / w, 0.0625)
    np.testing.assert_allclose(test.blobs['out'].data, expected, rtol=1e-10)


def test_gradient_batch_statistics():
    check_gradient('type: "BatchNorm"', {'x': RNG.randn(3, 2, 2, 2)}, rtol=1e-4, atol=1e-6)


def test_gradient_global_statistics():
    net = check_gradient('type: "BatchNorm" batch_norm_param { use_global_stats: true }',
                         {'x': RNG.randn(2, 3, 2)}, check_params=False)
    assert net.blobs['out'].data.shape == (2, 3, 2)


def test_bad_eps_is_rejected():
    with pytest.raises(Exception, match=r"BatchNorm.*eps must be positive"):
        layer_forward('type: "BatchNorm" batch_norm_param { eps: -1 }', {'x': RNG.randn(2, 3)})
