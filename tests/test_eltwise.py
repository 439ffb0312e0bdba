"""Eltwise: PROD, SUM (with coeff) and MAX against numpy, gradients (both PROD
gradient formulas; MAX with distinct values), errors, GPU parity."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(6)


def bottoms(n=3, shape=(2, 3, 4)):
    return {f'b{i}': RNG.uniform(0.5, 1.5, shape) * RNG.choice([-1, 1], shape)
            for i in range(n)}


def test_prod():
    b = bottoms()
    out = layer_forward('type: "Eltwise" eltwise_param { operation: PROD }', b,
                        dtype=np.float64)['out']
    np.testing.assert_allclose(out, b['b0'] * b['b1'] * b['b2'], rtol=1e-12)


def test_sum_default_and_coeff():
    b = bottoms()
    out = layer_forward('type: "Eltwise"', b, dtype=np.float64)['out']
    np.testing.assert_allclose(out, b['b0'] + b['b1'] + b['b2'], rtol=1e-12)
    out = layer_forward('type: "Eltwise" eltwise_param { operation: SUM coeff: 1 coeff: -0.5 '
                        'coeff: 2 }', b, dtype=np.float64)['out']
    np.testing.assert_allclose(out, b['b0'] - 0.5 * b['b1'] + 2 * b['b2'], rtol=1e-12)


def test_max():
    b = bottoms(4)
    out = layer_forward('type: "Eltwise" eltwise_param { operation: MAX }', b,
                        dtype=np.float64)['out']
    np.testing.assert_array_equal(out, np.max(np.stack(list(b.values())), axis=0))


@pytest.mark.parametrize('param', [
    'operation: PROD',
    'operation: PROD stable_prod_grad: false',
    'operation: SUM',
    'operation: SUM coeff: 0.5 coeff: -2 coeff: 3',
    'operation: MAX',
])
def test_gradient(param):
    # Bottoms are at least 0.5 away from zero, and their magnitudes are distinct, so
    # the maximum is away from its kinks.
    b = bottoms(3, (2, 3))
    vals = RNG.permutation(np.arange(18) * 0.1 + 0.5).reshape(3, 2, 3)
    for i, k in enumerate(b):
        b[k] = vals[i] * np.sign(b[k])
    check_gradient(f'type: "Eltwise" eltwise_param {{ {param} }}', b)


def test_max_gradient_goes_to_the_winner():
    a = np.array([[1.0, 5.0, -2.0]])
    c = np.array([[3.0, 4.0, -1.0]])
    net = layer_net('type: "Eltwise" eltwise_param { operation: MAX }', {'a': a, 'c': c})
    net.forward()
    net.blobs['out'].diff[...] = [[10, 20, 30]]
    net.backward()
    np.testing.assert_array_equal(net.blobs['a'].diff, [[0, 20, 0]])
    np.testing.assert_array_equal(net.blobs['c'].diff, [[10, 0, 30]])


def test_stable_prod_grad_with_zero():
    a = np.array([[0.0, 2.0]])
    c = np.array([[3.0, 4.0]])
    net = layer_net('type: "Eltwise" eltwise_param { operation: PROD }', {'a': a, 'c': c})
    net.forward()
    net.blobs['out'].diff[...] = 1
    net.backward()
    np.testing.assert_array_equal(net.blobs['a'].diff, [[3, 4]])
    np.testing.assert_array_equal(net.blobs['c'].diff, [[0, 2]])


def test_errors():
    two = {'a': np.ones((2, 3)), 'b': np.ones((2, 3))}
    with pytest.raises(caffe.CaffeError, match="coeff is only allowed with operation SUM"):
        layer_forward('type: "Eltwise" eltwise_param { operation: MAX coeff: 1 coeff: 2 }', two)
    with pytest.raises(caffe.CaffeError, match=r"one value per bottom \(2\), got 3"):
        layer_forward('type: "Eltwise" eltwise_param { coeff: 1 coeff: 2 coeff: 3 }', two)
    with pytest.raises(caffe.CaffeError, match="all bottoms must have the same shape"):
        layer_forward('type: "Eltwise"', {'a': np.ones((2, 3)), 'b': np.ones((3, 2))})
    with pytest.raises(caffe.CaffeError, match="at least 2 bottom"):
        layer_forward('type: "Eltwise"', {'a': np.ones((2, 3))})


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('param', ['operation: PROD', 'operation: PROD stable_prod_grad: false',
                                   'operation: SUM coeff: 1 coeff: -2 coeff: 0.5',
                                   'operation: MAX'])
def test_gpu_matches_cpu(param):
    b = bottoms()
    dy = RNG.randn(2, 3, 4)
    res = []
    for gpu in (False, True):
        caffe.set_mode_gpu() if gpu else caffe.set_mode_cpu()
        net = layer_net(f'type: "Eltwise" eltwise_param {{ {param} }}', b)
        net.forward()
        net.blobs['out'].diff[...] = dy
        net.backward()
        res.append([net.blobs['out'].data.copy()] + [net.blobs[k].diff.copy() for k in b])
    caffe.set_mode_cpu()
    for x, y in zip(*res):
        np.testing.assert_allclose(x, y, rtol=1e-12)
