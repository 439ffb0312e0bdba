"""LeNet (fixtures/bvlc/mnist__lenet.prototxt) with seeded random weights against an
independent numpy LeNet: convolution, max pooling with Caffe's ceil rounding, inner
product, ReLU, softmax."""
import math
import os
import tempfile

import numpy as np
from google.protobuf import text_format

import caffe
from caffe.proto import caffe_pb2
from conftest import FIXTURES

LENET = os.path.join(FIXTURES, 'mnist__lenet.prototxt')


def np_conv(x, w, b):
    kh, kw = w.shape[2:]
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))  # n c oh ow kh kw
    return np.einsum('ncyxij,ocij->noyx', win, w) + b[None, :, None, None]


def np_max_pool(x, k, s):
    n, c, h, w = x.shape
    oh, ow = math.ceil((h - k) / s) + 1, math.ceil((w - k) / s) + 1
    padded = np.full((n, c, (oh - 1) * s + k, (ow - 1) * s + k), -np.inf)
    padded[:, :, :h, :w] = x
    out = np.full((n, c, oh, ow), -np.inf)
    for i in range(k):
        for j in range(k):
            out = np.maximum(out, padded[:, :, i:i + (oh - 1) * s + 1:s, j:j + (ow - 1) * s + 1:s])
    return out


def np_lenet(x, p, relu=True, softmax=True):
    h = np_max_pool(np_conv(x, *p['conv1']), 2, 2)
    h = np_max_pool(np_conv(h, *p['conv2']), 2, 2)
    w, b = p['ip1']
    h = h.reshape(len(h), -1) @ w.T + b
    if relu:
        h = np.maximum(h, 0)
    w, b = p['ip2']
    h = h @ w.T + b
    if softmax:
        e = np.exp(h - h.max(axis=1, keepdims=True))
        h = e / e.sum(axis=1, keepdims=True)
    return h


def run_lenet(path, top):
    net = caffe.Net(path, caffe.TEST)
    rng = np.random.RandomState(1234)
    params = {}
    for name, blobs in net.params.items():
        w, b = blobs
        fan_in = int(np.prod(w.data.shape[1:]))
        w.data[...] = rng.uniform(-1, 1, w.data.shape) * math.sqrt(3.0 / fan_in)
        b.data[...] = rng.uniform(-0.1, 0.1, b.data.shape)
        params[name] = (w.data.astype(np.float64), b.data.astype(np.float64))
    x = rng.uniform(0, 1, net.blobs['data'].data.shape).astype(np.float32)
    net.blobs['data'].data[...] = x
    net.forward()
    assert net.blobs['pool1'].data.shape == (64, 20, 12, 12)
    assert net.blobs['pool2'].data.shape == (64, 50, 4, 4)
    return net.blobs[top].data.copy(), x.astype(np.float64), params


def test_lenet_matches_numpy():
    prob, x, params = run_lenet(LENET, 'prob')
    ref = np_lenet(x, params)
    assert prob.shape == (64, 10)
    np.testing.assert_allclose(prob, ref, rtol=0, atol=1e-4)
    np.testing.assert_allclose(prob.sum(axis=1), 1, atol=1e-5)


def test_lenet_without_relu_and_softmax_matches_numpy():
    """The convolution/pooling/inner-product part alone (ReLU and Softmax removed)."""
    net_param = caffe_pb2.NetParameter()
    with open(LENET) as f:
        text_format.Merge(f.read(), net_param)
    keep = [l for l in net_param.layer if l.type not in ('ReLU', 'Softmax')]
    del net_param.layer[:]
    net_param.layer.extend(keep)
    with tempfile.NamedTemporaryFile('w', suffix='.prototxt', delete=False) as f:
        f.write(text_format.MessageToString(net_param))
        path = f.name
    try:
        ip2, x, params = run_lenet(path, 'ip2')
    finally:
        os.unlink(path)
    ref = np_lenet(x, params, relu=False, softmax=False)
    np.testing.assert_allclose(ip2, ref, rtol=1e-4, atol=1e-4)
