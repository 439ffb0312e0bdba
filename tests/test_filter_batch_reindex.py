"""Filter (keeps the items whose selector is non-zero) and BatchReindex (picks items by
index): forward against numpy indexing, gradients against finite differences, errors."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_net

RNG = np.random.RandomState(23)


def test_filter_forward_and_backward():
    a, b = RNG.randn(5, 3, 2), RNG.randn(5, 4)
    sel = np.array([1.0, 0, 1, 1, 0])
    net = layer_net('type: "Filter"', {'a': a, 'b': b, 's': sel}, tops=('fa', 'fb'))
    net.forward()
    keep = sel != 0
    np.testing.assert_array_equal(net.blobs['fa'].data, a[keep])
    np.testing.assert_array_equal(net.blobs['fb'].data, b[keep])
    da, db = RNG.randn(3, 3, 2), RNG.randn(3, 4)
    net.blobs['fa'].diff[...] = da
    net.blobs['fb'].diff[...] = db
    net.backward()
    want = np.zeros_like(a)
    want[keep] = da
    np.testing.assert_array_equal(net.blobs['a'].diff, want)
    want = np.zeros_like(b)
    want[keep] = db
    np.testing.assert_array_equal(net.blobs['b'].diff, want)


def test_filter_selector_n_by_1_and_nothing_selected():
    a = RNG.randn(4, 2)
    net = layer_net('type: "Filter"', {'a': a, 's': np.array([[0.0], [2], [0], [0]])}, tops=('f',))
    net.forward()
    np.testing.assert_array_equal(net.blobs['f'].data, a[[1]])
    net.blobs['s'].data[...] = 0
    net.forward()
    assert net.blobs['f'].data.shape == (0, 2)


def test_filter_gradient():
    check_gradient('type: "Filter"', {'a': RNG.randn(4, 3), 's': np.array([0.0, 1, 1, 0])},
                   tops=('f',), check_bottoms=['a'])


def test_filter_checks_shapes():
    with pytest.raises(caffe.ShapeError, match=r"Filter.*bottom 0 must have the selector's 3 items"):
        layer_net('type: "Filter"', {'a': RNG.randn(4, 2), 's': np.ones(3)}, tops=('f',))
    with pytest.raises(caffe.ShapeError, match=r"Filter.*one value per item"):
        layer_net('type: "Filter"', {'a': RNG.randn(3, 2), 's': np.ones((3, 2))}, tops=('f',))
    with pytest.raises(caffe.ShapeError, match=r"Filter.*one top per filtered bottom"):
        layer_net('type: "Filter"', {'a': RNG.randn(3, 2), 's': np.ones(3)}, tops=('f', 'g'))


@pytest.mark.parametrize('perm', [[2, 0, 1], [1, 1, 3, 0, 1], [3]])
def test_batch_reindex_forward_and_gradient(perm):
    x = RNG.randn(4, 2, 3)
    p = np.array(perm, dtype=float)
    net = layer_net('type: "BatchReindex"', {'x': x, 'p': p})
    net.forward()
    np.testing.assert_array_equal(net.blobs['out'].data, x[perm])
    dy = RNG.randn(len(perm), 2, 3)
    net.blobs['out'].diff[...] = dy
    net.backward()
    want = np.zeros_like(x)
    np.add.at(want, perm, dy)
    np.testing.assert_allclose(net.blobs['x'].diff, want, rtol=1e-15, atol=1e-15)
    check_gradient('type: "BatchReindex"', {'x': x, 'p': p}, check_bottoms=['x'])


@pytest.mark.parametrize('bad', [4, -1, 1.5])
def test_batch_reindex_refuses_bad_indices(bad):
    with pytest.raises(caffe.ShapeError, match=r"BatchReindex.*index .* at position 1 is not a row"):
        net = layer_net('type: "BatchReindex"', {'x': RNG.randn(4, 2), 'p': np.array([0.0, bad])})
        net.forward()
