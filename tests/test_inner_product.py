"""InnerProduct: y = W x + b over the axes from `axis` on, against numpy."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_net


def ip_text(num_output, axis=1, transpose=False, bias=True):
    return (f'type: "InnerProduct" inner_product_param {{ num_output: {num_output} axis: {axis} '
            f'transpose: {str(transpose).lower()} bias_term: {str(bias).lower()} '
            'weight_filler { type: "gaussian" std: 0.5 } '
            'bias_filler { type: "uniform" min: -1 max: 1 } }')


def reference(x, w, b, axis, transpose):
    lead = x.shape[:axis]
    flat = x.reshape(int(np.prod(lead)), -1)
    wm = w if transpose else w.T  # K x N
    y = flat @ wm
    if b is not None:
        y = y + b
    return y.reshape(lead + (wm.shape[1],))


@pytest.mark.parametrize('axis,transpose,bias', [(1, False, True), (1, True, True),
                                                 (2, False, True), (1, False, False),
                                                 (-1, True, False)])
def test_forward_matches_numpy(axis, transpose, bias):
    rng = np.random.RandomState(0)
    x = rng.randn(2, 3, 4, 5)
    net = layer_net(ip_text(6, axis, transpose, bias), {'x': x}, dtype=np.float32)
    params = net.params['layer']
    assert len(params) == (2 if bias else 1)
    k = int(np.prod(x.shape[x.ndim + axis if axis < 0 else axis:]))
    assert params[0].data.shape == ((k, 6) if transpose else (6, k))
    if bias:
        assert params[1].data.shape == (6,)
    net.forward()
    ref = reference(x, params[0].data.astype(np.float64),
                    params[1].data.astype(np.float64) if bias else None,
                    x.ndim + axis if axis < 0 else axis, transpose)
    assert net.blobs['out'].data.shape == ref.shape
    np.testing.assert_allclose(net.blobs['out'].data, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('axis,transpose', [(1, False), (1, True), (2, False)])
def test_gradient(axis, transpose):
    x = np.random.RandomState(1).randn(2, 3, 2, 2)
    check_gradient(ip_text(4, axis, transpose), {'x': x})


def test_param_gradients_accumulate():
    # Caffe adds parameter gradients to the existing diff (the solver clears them).
    x = np.random.RandomState(2).randn(3, 4)
    net = layer_net(ip_text(2), {'x': x})
    net.forward()
    net.blobs['out'].diff[...] = 1
    net.backward()
    once = net.params['layer'][0].diff.copy()
    net.backward()
    np.testing.assert_allclose(net.params['layer'][0].diff, 2 * once)
    np.testing.assert_allclose(once, np.ones((3, 2)).T @ x)


def test_input_size_change_raises():
    net = layer_net(ip_text(3), {'x': np.zeros((2, 5))})
    net.blobs['x'].reshape(2, 6)
    with pytest.raises(Exception, match=r"layer 'layer' \(InnerProduct\).*expected 5"):
        net.forward()


def test_missing_num_output_raises():
    with pytest.raises(Exception, match=r"layer 'layer' \(InnerProduct\).*num_output"):
        layer_net('type: "InnerProduct"', {'x': np.zeros((2, 5))})


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('transpose', [False, True])
def test_gpu_matches_cpu(transpose):
    x = np.random.RandomState(3).randn(4, 3, 5)
    net = layer_net(ip_text(7, transpose=transpose), {'x': x})
    results = []
    for mode in (caffe.set_mode_cpu, caffe.set_mode_gpu):
        mode()
        net.forward()
        net.blobs['out'].diff[...] = np.linspace(-1, 1, net.blobs['out'].count).reshape(4, 7)
        for p in net.params['layer']:
            p.diff[...] = 0
        net.backward()
        results.append([net.blobs['out'].data.copy(), net.blobs['x'].diff.copy()] +
                       [p.diff.copy() for p in net.params['layer']])
    for c, g in zip(*results):
        np.testing.assert_allclose(g, c, rtol=1e-10, atol=1e-10)
