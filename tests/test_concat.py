"""Concat: joins along axis / legacy concat_dim against numpy, gradients, bad shapes."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(4)


@pytest.mark.parametrize('param,axis', [('', 1), ('concat_param { axis: 0 }', 0),
                                        ('concat_param { axis: -1 }', 3),
                                        ('concat_param { concat_dim: 2 }', 2)])
def test_forward(param, axis):
    shapes = [[2, 3, 4, 5] for _ in range(3)]
    for s, n in zip(shapes, (1, 2, 3)):
        s[axis] = n
    bottoms = {f'b{i}': RNG.randn(*s) for i, s in enumerate(shapes)}
    out = layer_forward('type: "Concat" ' + param, bottoms, dtype=np.float64)['out']
    np.testing.assert_array_equal(out, np.concatenate(list(bottoms.values()), axis=axis))


@pytest.mark.parametrize('axis', [0, 1, 2])
def test_gradient(axis):
    a, b = RNG.randn(2, 2, 3), RNG.randn(2, 2, 3)
    b = np.concatenate([b, b], axis=axis)
    check_gradient(f'type: "Concat" concat_param {{ axis: {axis} }}', {'a': a, 'b': b})


def test_single_bottom_is_shared():
    x = RNG.randn(2, 3)
    net = layer_net('type: "Concat"', {'x': x})
    net.forward()
    np.testing.assert_array_equal(net.blobs['out'].data, x)
    check_gradient('type: "Concat"', {'x': x})


def test_bad_shapes():
    with pytest.raises(caffe.CaffeError,
                       match=r"same shape except on the concat axis 1, but bottom 0 is .* and bottom 1 is"):
        layer_forward('type: "Concat"', {'a': np.ones((2, 3, 4)), 'b': np.ones((2, 3, 5))})
    with pytest.raises(caffe.CaffeError, match="same shape except on the concat axis"):
        layer_forward('type: "Concat"', {'a': np.ones((2, 3, 4)), 'b': np.ones((2, 3))})
    with pytest.raises(caffe.CaffeError, match="concat_param.axis must be in"):
        layer_forward('type: "Concat" concat_param { axis: 3 }',
                      {'a': np.ones((2, 3, 4)), 'b': np.ones((2, 3, 4))})
    with pytest.raises(caffe.CaffeError, match="either concat_param.axis or the legacy concat_dim"):
        layer_forward('type: "Concat" concat_param { axis: 1 concat_dim: 1 }',
                      {'a': np.ones((2, 3)), 'b': np.ones((2, 3))})


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
def test_gpu_matches_cpu():
    bottoms = {'a': RNG.randn(2, 3, 4), 'b': RNG.randn(2, 5, 4)}
    dy = RNG.randn(2, 8, 4)
    res = []
    for gpu in (False, True):
        caffe.set_mode_gpu() if gpu else caffe.set_mode_cpu()
        net = layer_net('type: "Concat"', bottoms)
        net.forward()
        net.blobs['out'].diff[...] = dy
        net.backward()
        res.append([net.blobs['out'].data.copy(), net.blobs['a'].diff.copy(),
                    net.blobs['b'].diff.copy()])
    caffe.set_mode_cpu()
    for x, y in zip(*res):
        np.testing.assert_array_equal(x, y)
