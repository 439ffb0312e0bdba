"""The seed fork's companion layers: STLoss, LocLoss, PowerFile, SmoothL1Loss.
Forward against numpy written here, backward against finite differences."""
import os

import numpy as np
import pytest

import caffe
import st_reference as ref
from caffe_test_utils import check_gradient, layer_forward, layer_net


def st_loss_reference(theta, H_out, W_out):
    xs, ys = ref.source_grid(theta, H_out, W_out)
    ex = xs - np.clip(xs, -1, 1)
    ey = ys - np.clip(ys, -1, 1)
    return np.sum(0.5 * (ex ** 2 + ey ** 2)) / (len(theta) * H_out * W_out)


def loss_net_backward(text, bottoms):
    """Forward + backward with the layer's own loss weight (no diff set by the test)."""
    net = layer_net(text, bottoms)
    net.forward()
    net.backward()
    return net


ST_LOSS = 'type: "STLoss" st_loss_param { output_H: 5 output_W: 7 }'


def test_st_loss_forward():
    theta = np.array([[1.5, 0.1, 0.3, -0.2, 1.2, -0.4], [1, 0, 0, 0, 1, 0], [0.5, 0, 0, 0, 0.5, 0]])
    out = layer_forward(ST_LOSS, {'theta': theta})['out']
    assert out.shape == ()
    np.testing.assert_allclose(out, st_loss_reference(theta, 5, 7), rtol=1e-6)
    inside = layer_forward(ST_LOSS, {'theta': theta[1:]})['out']
    assert inside == 0  # the identity grid (-1 .. 1 - 2/size) and a zoom stay inside


def test_st_loss_gradient_and_default_weight():
    rng = np.random.RandomState(0)
    theta = np.array([1, 0, 0, 0, 1, 0]) + rng.uniform(-0.6, 0.6, (3, 6))
    check_gradient(ST_LOSS, {'theta': theta})
    net = loss_net_backward(ST_LOSS, {'theta': theta})
    eps = 1e-6
    for i in range(theta.size):  # loss weight 1: theta.diff is d loss / d theta
        tp, tm = theta.copy(), theta.copy()
        tp.flat[i] += eps
        tm.flat[i] -= eps
        num = (st_loss_reference(tp, 5, 7) - st_loss_reference(tm, 5, 7)) / (2 * eps)
        assert abs(net.blobs['theta'].diff.flat[i] - num) < 1e-6


def test_st_loss_bad_inputs():
    with pytest.raises(caffe.CaffeError, match='N x 6'):
        layer_net(ST_LOSS, {'theta': np.zeros((2, 4))})
    with pytest.raises(caffe.CaffeError, match='output_H and output_W'):
        layer_net('type: "STLoss"', {'theta': np.zeros((2, 6))})


LOC_LOSS = 'type: "LocLoss" loc_loss_param { threshold: 0.5 }'


def away_from(values, points, margin=1e-3):
    for p in points:
        values = np.where(np.abs(values - p) < margin, values + 3 * margin, values)
    return values


def test_loc_loss_forward_gradient_and_default_weight():
    rng = np.random.RandomState(1)
    x = away_from(rng.uniform(-1.5, 1.5, (4, 3)), [-0.5, 0.5])
    over = np.maximum(np.abs(x) - 0.5, 0)
    expected = np.sum(0.5 * over ** 2) / 4
    np.testing.assert_allclose(layer_forward(LOC_LOSS, {'x': x})['out'], expected, rtol=1e-6)
    check_gradient(LOC_LOSS, {'x': x})
    net = loss_net_backward(LOC_LOSS, {'x': x})
    np.testing.assert_allclose(net.blobs['x'].diff, np.sign(x) * over / 4, rtol=1e-12)


def test_loc_loss_bad_threshold():
    with pytest.raises(caffe.CaffeError, match='threshold must be >= 0'):
        layer_net('type: "LocLoss" loc_loss_param { threshold: -1 }', {'x': np.zeros((2, 3))})


def power_file_text(tmp_path, numbers):
    path = tmp_path / 'shift.txt'
    path.write_text(numbers)
    return f'type: "PowerFile" power_file_param {{ shift_file: "{path}" }}'


def test_power_file_forward_backward(tmp_path):
    text = power_file_text(tmp_path, '0.5 -1\n2 3e-1 0 7\n')
    x = np.random.RandomState(2).randn(3, 2, 3)
    shift = np.array([0.5, -1, 2, 0.3, 0, 7]).reshape(2, 3)
    np.testing.assert_allclose(layer_forward(text, {'x': x}, dtype=np.float64)['out'],
                               x + shift, rtol=1e-15)
    check_gradient(text, {'x': x})


def test_power_file_bad_inputs(tmp_path):
    x = {'x': np.zeros((2, 3))}
    with pytest.raises(caffe.FileError, match='cannot open shift_file'):
        layer_net(f'type: "PowerFile" power_file_param {{ shift_file: "{tmp_path}/none.txt" }}', x)
    with pytest.raises(caffe.CaffeError, match="found 'abc' after 1 number"):
        layer_net(power_file_text(tmp_path, '1 abc 2'), x)
    with pytest.raises(caffe.CaffeError, match='expected a bottom with 2 features'):
        layer_net(power_file_text(tmp_path, '1 2'), x)


def smooth_l1_reference(pred, target, sigma=1.0, w_in=1.0, w_out=1.0):
    d = w_in * (pred - target)
    s2 = sigma ** 2
    per = np.where(np.abs(d) < 1 / s2, 0.5 * s2 * d ** 2, np.abs(d) - 0.5 / s2)
    return np.sum(w_out * per) / pred.shape[0]


@pytest.mark.parametrize('sigma,weights', [(1.0, False), (3.0, True)])
def test_smooth_l1_loss(sigma, weights):
    rng = np.random.RandomState(3)
    pred, target = rng.randn(4, 5), rng.randn(4, 5)
    bottoms = {'pred': pred, 'target': target}
    if weights:
        bottoms['w_in'] = rng.uniform(0.5, 2, (4, 5))
        bottoms['w_out'] = rng.uniform(0, 1, (4, 5))
    # keep |d| away from the kink at 1 / sigma^2
    d = bottoms.get('w_in', 1) * (pred - target)
    kink = 1 / sigma ** 2
    bottoms['pred'] = pred + np.where(np.abs(np.abs(d) - kink) < 1e-3, 0.01, 0)
    text = f'type: "SmoothL1Loss" smooth_l1_loss_param {{ sigma: {sigma} }}'
    expected = smooth_l1_reference(bottoms['pred'], target, sigma, bottoms.get('w_in', 1.0),
                                   bottoms.get('w_out', 1.0))
    np.testing.assert_allclose(layer_forward(text, bottoms, dtype=np.float64)['out'], expected,
                               rtol=1e-12)
    check_gradient(text, bottoms, check_bottoms=['pred', 'target'])


def test_smooth_l1_bad_inputs():
    a = np.zeros((2, 3))
    with pytest.raises(caffe.CaffeError, match='got 3'):
        layer_net('type: "SmoothL1Loss"', {'p': a, 't': a, 'w': a})
    with pytest.raises(caffe.CaffeError, match=r'target \(bottom 1\)'):
        layer_net('type: "SmoothL1Loss"', {'p': a, 't': np.zeros((2, 4))})


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
def test_gpu_matches_cpu(tmp_path):
    rng = np.random.RandomState(4)
    x = rng.uniform(-1.5, 1.5, (3, 6))
    cases = [(ST_LOSS, {'theta': x}), (LOC_LOSS, {'x': x}),
             (power_file_text(tmp_path, '1 2 3 4 5 6'), {'x': x}),
             ('type: "SmoothL1Loss"', {'p': x, 't': rng.randn(3, 6), 'wi': rng.rand(3, 6),
                                       'wo': rng.rand(3, 6)})]
    for text, bottoms in cases:
        results = []
        for mode in (caffe.set_mode_cpu, caffe.set_mode_gpu):
            mode()
            net = layer_net(text, bottoms)
            net.forward()
            net.blobs['out'].diff[...] = 0.7
            net.backward()
            results.append((net.blobs['out'].data.copy(),
                            net.blobs[list(bottoms)[0]].diff.copy()))
        caffe.set_mode_cpu()
        for cpu, gpu in zip(*results):
            np.testing.assert_allclose(gpu, cpu, rtol=1e-10, atol=1e-12)
