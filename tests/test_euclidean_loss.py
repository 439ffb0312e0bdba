"""EuclideanLoss: forward against numpy, gradients to both bottoms, shape checks, GPU parity."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(5)


def test_forward():
    a, b = RNG.randn(4, 3, 2), RNG.randn(4, 6)
    out = layer_forward('type: "EuclideanLoss"', {'a': a, 'b': b}, dtype=np.float64)['out']
    np.testing.assert_allclose(out, np.sum((a.reshape(4, 6) - b) ** 2) / 4 / 2, rtol=1e-12)


def test_gradient_both_bottoms():
    check_gradient('type: "EuclideanLoss"', {'a': RNG.randn(3, 4), 'b': RNG.randn(3, 4)})


def test_default_loss_weight_is_one():
    a, b = RNG.randn(3, 2), RNG.randn(3, 2)
    net = layer_net('type: "EuclideanLoss"', {'a': a, 'b': b})
    net.forward()
    net.backward()
    np.testing.assert_allclose(net.blobs['a'].diff, (a - b) / 3, rtol=1e-12)
    np.testing.assert_allclose(net.blobs['b'].diff, (b - a) / 3, rtol=1e-12)


def test_shape_mismatch():
    with pytest.raises(caffe.CaffeError, match="same number of values per item"):
        layer_forward('type: "EuclideanLoss"', {'a': np.ones((2, 3)), 'b': np.ones((2, 4))})
    with pytest.raises(caffe.CaffeError, match="same first dimension"):
        layer_forward('type: "EuclideanLoss"', {'a': np.ones((2, 3)), 'b': np.ones((3, 2))})


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
def test_gpu_matches_cpu():
    a, b = RNG.randn(3, 4), RNG.randn(3, 4)
    res = []
    for gpu in (False, True):
        caffe.set_mode_gpu() if gpu else caffe.set_mode_cpu()
        net = layer_net('type: "EuclideanLoss" loss_weight: 0.5', {'a': a, 'b': b})
        net.forward()
        net.backward()
        res.append([net.blobs[n].data.copy() for n in ('out',)] +
                   [net.blobs[n].diff.copy() for n in ('a', 'b')])
    caffe.set_mode_cpu()
    for x, y in zip(*res):
        np.testing.assert_allclose(x, y, rtol=1e-10)
