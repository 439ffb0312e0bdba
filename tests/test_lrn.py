"""LRN across channels and within a channel, against numpy; gradients by finite
differences."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_float_matches_double, check_gradient, layer_forward, layer_net


def lrn_text(region='ACROSS_CHANNELS', size=5, alpha=1.0, beta=0.75, k=1.0):
    return (f'type: "LRN" lrn_param {{ norm_region: {region} local_size: {size} '
            f'alpha: {alpha} beta: {beta} k: {k} }}')


def lrn_reference(x, region, size, alpha, beta, k):
    n, c, h, w = x.shape
    half = (size - 1) // 2
    sq = x ** 2
    if region == 'ACROSS_CHANNELS':
        padded = np.zeros((n, c + 2 * half, h, w))
        padded[:, half:half + c] = sq
        window = sum(padded[:, i:i + c] for i in range(size))
        scale = k + alpha / size * window
    else:  # Caffe: 1 + alpha * (average of x^2 over a zero-padded size x size square)
        padded = np.zeros((n, c, h + 2 * half, w + 2 * half))
        padded[:, :, half:half + h, half:half + w] = sq
        window = sum(padded[:, :, i:i + h, j:j + w] for i in range(size) for j in range(size))
        scale = 1 + alpha * window / size ** 2
    return x * scale ** -beta


CASES = [('ACROSS_CHANNELS', 5, 1.0, 0.75, 1.0), ('ACROSS_CHANNELS', 3, 0.3, 0.6, 2.0),
         ('ACROSS_CHANNELS', 1, 2.0, 0.5, 1.5), ('WITHIN_CHANNEL', 3, 1.5, 0.75, 1.0),
         ('WITHIN_CHANNEL', 5, 0.7, 0.9, 3.0)]  # k is ignored within a channel, as in Caffe


@pytest.mark.parametrize('region,size,alpha,beta,k', CASES)
def test_forward_matches_numpy(region, size, alpha, beta, k):
    x = np.random.RandomState(0).randn(2, 7, 4, 5)
    got = layer_forward(lrn_text(region, size, alpha, beta, k), {'x': x}, dtype=np.float64)['out']
    ref = lrn_reference(x, region, size, np.float32(alpha), np.float32(beta), np.float32(k))
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-9)


def test_float32_forward():
    x = np.random.RandomState(1).randn(1, 6, 3, 3).astype(np.float32)
    got = layer_forward(lrn_text(), {'x': x})['out']
    np.testing.assert_allclose(got, lrn_reference(x.astype(np.float64), 'ACROSS_CHANNELS',
                                                  5, 1.0, 0.75, 1.0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('region,size,alpha,beta,k', CASES)
@pytest.mark.parametrize('channels', [7, 32])  # 32: oneDNN's blocked layout in training
@pytest.mark.parametrize('phase', [caffe.TRAIN, caffe.TEST])
def test_float_passes_on_each_engine(region, size, alpha, beta, k, channels, phase, engine):
    """Float forward against numpy, float forward and backward against the double layer
    (finite-difference checked), in training and test nets (a test net asked for gradients
    too), on each engine."""
    x = np.random.RandomState(3).randn(2, channels, 5, 4).astype(np.float32)
    text = lrn_text(region, size, alpha, beta, k)
    net = check_float_matches_double(text, {'x': x}, engine=engine, phase=phase, rtol=1e-4,
                                     atol=1e-5)
    ref = lrn_reference(x.astype(np.float64), region, size, np.float32(alpha), np.float32(beta),
                        np.float32(k))
    np.testing.assert_allclose(net.blobs['out'].data, ref, rtol=1e-5, atol=1e-6)
    if engine == 'CAFFE':
        assert net.layer_dict['layer'].cpu_engine == 'CAFFE'


@pytest.mark.parametrize('region,size,alpha,beta,k', CASES)
def test_gradient(region, size, alpha, beta, k):
    x = np.random.RandomState(2).randn(2, 4, 3, 4)
    check_gradient(lrn_text(region, size, alpha, beta, k), {'x': x})


def test_even_local_size_raises():
    with pytest.raises(Exception, match=r"layer 'layer' \(LRN\).*local_size.*odd.*got 4"):
        layer_net(lrn_text(size=4), {'x': np.zeros((1, 3, 2, 2))})


def test_wrong_axes_raise():
    with pytest.raises(Exception, match=r"layer 'layer' \(LRN\).*4-axis"):
        layer_net(lrn_text(), {'x': np.zeros((3, 2, 2))})


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('region,size,alpha,beta,k', CASES)
def test_gpu_matches_cpu(region, size, alpha, beta, k):
    x = np.random.RandomState(3).randn(2, 6, 5, 4)
    net = layer_net(lrn_text(region, size, alpha, beta, k), {'x': x})
    results = []
    for set_mode in (caffe.set_mode_cpu, caffe.set_mode_gpu):
        set_mode()
        net.forward()
        top = net.blobs['out']
        top.diff[...] = np.random.RandomState(4).randn(*top.data.shape)
        net.backward()
        results.append([top.data.copy(), net.blobs['x'].diff.copy()])
    for c, g in zip(*results):
        np.testing.assert_allclose(g, c, rtol=1e-10, atol=1e-12)
