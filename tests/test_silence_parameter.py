"""Silence (swallows its bottoms, zero gradients) and Parameter (a learned blob as a top):
forward against numpy, gradients against finite differences, errors."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_net

RNG = np.random.RandomState(11)


def test_silence_outputs_nothing_and_zeroes_gradients():
    text = '''name: "s" force_backward: true
layer { name: "in" type: "Input" top: "x" top: "y"
        input_param { shape { dim: 2 dim: 3 } shape { dim: 4 } } }
layer { name: "sq" type: "Power" bottom: "x" top: "x2" power_param { power: 2 } }
layer { name: "loss" type: "EuclideanLoss" bottom: "x2" bottom: "x2" top: "loss" }
layer { name: "quiet" type: "Silence" bottom: "x" bottom: "y" }
'''
    net = caffe.Net.from_string(text, caffe.TRAIN, dtype=np.float64)
    assert list(net.outputs) == ['loss']
    net.blobs['y'].data[...] = RNG.randn(4)
    net.blobs['y'].diff[...] = 7
    net.forward()
    net.backward()
    np.testing.assert_array_equal(net.blobs['y'].diff, 0)


def test_silence_gradient():
    # A Silence layer alone contributes nothing to the objective: its gradient is zero.
    check_gradient('type: "Silence"', {'x': RNG.randn(2, 3), 'y': RNG.randn(3)}, tops=())


def test_parameter_forward_and_gradient():
    text = 'type: "Parameter" parameter_param { shape { dim: 2 dim: 3 dim: 1 } }'
    net = layer_net(text, {}, tops=('out',))
    assert net.params['layer'][0].data.shape == (2, 3, 1)
    np.testing.assert_array_equal(net.params['layer'][0].data, 0)
    values = RNG.randn(2, 3, 1)
    net.params['layer'][0].data[...] = values
    net.forward()
    np.testing.assert_array_equal(net.blobs['out'].data, values)
    check_gradient(text, {}, tops=('out',))


def test_parameter_learns_in_a_net():
    text = '''name: "p" force_backward: true
layer { name: "in" type: "Input" top: "target" input_param { shape { dim: 3 } } }
layer { name: "w" type: "Parameter" top: "w" parameter_param { shape { dim: 3 } } }
layer { name: "loss" type: "EuclideanLoss" bottom: "w" bottom: "target" top: "loss" }
'''
    net = caffe.Net.from_string(text, caffe.TRAIN, dtype=np.float64)
    target = np.array([1.0, -2.0, 0.5])
    net.blobs['target'].data[...] = target
    for _ in range(200):
        net.forward()
        net.params['w'][0].diff[...] = 0
        net.backward()
        net.params['w'][0].data[...] -= 0.5 * net.params['w'][0].diff
    np.testing.assert_allclose(net.params['w'][0].data, target, atol=1e-6)


def test_parameter_needs_a_shape():
    with pytest.raises(caffe.ParseError, match=r"Parameter.*parameter_param.shape is not set"):
        layer_net('type: "Parameter"', {}, tops=('out',))
