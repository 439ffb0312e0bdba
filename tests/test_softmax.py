"""Softmax and SoftmaxWithLoss: forward against numpy, every normalization mode,
ignore_label, the probability top, gradients, label checks, GPU parity."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(11)


def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize('axis', [1, 2, -1, 0])
def test_softmax_forward(axis):
    x = RNG.randn(2, 3, 4, 5) * 3
    out = layer_forward(f'type: "Softmax" softmax_param {{ axis: {axis} }}', {'x': x},
                        dtype=np.float64)['out']
    np.testing.assert_allclose(out, np_softmax(x, axis), rtol=1e-12)


def test_softmax_large_values_are_stable():
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    out = layer_forward('type: "Softmax"', {'x': x})['out']
    np.testing.assert_allclose(out, np_softmax(x, 1), rtol=1e-6)


@pytest.mark.parametrize('axis', [1, 2])
def test_softmax_gradient(axis):
    check_gradient(f'type: "Softmax" softmax_param {{ axis: {axis} }}',
                   {'x': RNG.randn(2, 3, 2, 2)})


def test_softmax_bad_axis():
    with pytest.raises(caffe.CaffeError, match=r"softmax_param.axis must be in \[-2, 2\).*got 3"):
        layer_forward('type: "Softmax" softmax_param { axis: 3 }', {'x': np.ones((2, 3))})


def np_softmax_loss(x, labels, axis=1, ignore=None, mode='VALID'):
    p = np_softmax(x, axis)
    pc = np.moveaxis(p, axis, -1).reshape(-1, x.shape[axis])
    lab = labels.reshape(-1).astype(int)
    keep = np.ones_like(lab, dtype=bool) if ignore is None else lab != ignore
    losses = -np.log(np.maximum(pc[np.arange(len(lab)), np.where(keep, lab, 0)], 1.17549435e-38))
    total = np.sum(losses[keep])
    outer = int(np.prod(x.shape[:axis]))
    full = len(lab)
    norm = {'FULL': full, 'VALID': keep.sum() if ignore is not None else full,
            'BATCH_SIZE': outer, 'NONE': 1}[mode]
    return total / max(1, norm)


def labels_for(shape, classes):
    return RNG.randint(0, classes, shape).astype(np.float64)


MODES = ['FULL', 'VALID', 'BATCH_SIZE', 'NONE']


@pytest.mark.parametrize('mode', MODES)
@pytest.mark.parametrize('ignore', [None, 2])
def test_softmax_loss_forward(mode, ignore):
    x = RNG.randn(3, 5, 2, 3)
    labels = labels_for((3, 1, 2, 3), 5)
    labels.flat[:4] = 2  # make sure some are ignored
    param = f'loss_param {{ normalization: {mode}'
    param += f' ignore_label: {ignore} }}' if ignore is not None else ' }'
    out = layer_forward('type: "SoftmaxWithLoss" ' + param, {'x': x, 'label': labels},
                        dtype=np.float64)['out']
    assert out.shape == ()
    np.testing.assert_allclose(out, np_softmax_loss(x, labels, 1, ignore, mode), rtol=1e-12)


@pytest.mark.parametrize('normalize,mode', [('true', 'VALID'), ('false', 'BATCH_SIZE')])
def test_softmax_loss_legacy_normalize(normalize, mode):
    x = RNG.randn(4, 3, 2)
    labels = labels_for((4, 2), 3)
    out = layer_forward(f'type: "SoftmaxWithLoss" loss_param {{ normalize: {normalize} }}',
                        {'x': x, 'label': labels}, dtype=np.float64)['out']
    np.testing.assert_allclose(out, np_softmax_loss(x, labels, 1, None, mode), rtol=1e-12)


def test_softmax_loss_axis_and_all_ignored():
    x = RNG.randn(2, 3, 4)
    labels = labels_for((2, 3), 4)
    out = layer_forward('type: "SoftmaxWithLoss" softmax_param { axis: -1 }',
                        {'x': x, 'label': labels}, dtype=np.float64)['out']
    np.testing.assert_allclose(out, np_softmax_loss(x, labels, 2), rtol=1e-12)
    out = layer_forward('type: "SoftmaxWithLoss" loss_param { ignore_label: 1 }',
                        {'x': RNG.randn(2, 3), 'label': np.ones(2)}, dtype=np.float64)['out']
    assert out == 0


@pytest.mark.parametrize('mode', MODES)
def test_softmax_loss_gradient(mode):
    x = RNG.randn(2, 4, 2, 2)
    labels = labels_for((2, 2, 2), 4)
    labels.flat[:3] = 3
    check_gradient(f'type: "SoftmaxWithLoss" loss_param {{ normalization: {mode} '
                   f'ignore_label: 3 }}', {'x': x, 'label': labels}, check_bottoms=['x'])


def test_softmax_loss_weight_and_prob_top():
    x = RNG.randn(3, 4)
    labels = labels_for((3,), 4)
    net = layer_net('type: "SoftmaxWithLoss"', {'x': x, 'label': labels}, tops=['loss', 'prob'])
    net.forward()
    np.testing.assert_allclose(net.blobs['prob'].data, np_softmax(x, 1), rtol=1e-12)
    np.testing.assert_allclose(net.blobs['loss'].data, np_softmax_loss(x, labels), rtol=1e-12)
    assert net.blob_loss_weights['loss'] == 1 and net.blob_loss_weights['prob'] == 0
    # Backward from the net's own loss weight (1): (p - onehot) / N.
    net.backward()
    onehot = np.eye(4)[labels.astype(int)]
    np.testing.assert_allclose(net.blobs['x'].diff, (np_softmax(x, 1) - onehot) / 3, rtol=1e-12)
    # The loss weight scales the gradient.
    net = layer_net('type: "SoftmaxWithLoss" loss_weight: 2.5', {'x': x, 'label': labels},
                    tops=['loss'])
    net.forward()
    net.backward()
    np.testing.assert_allclose(net.blobs['x'].diff, 2.5 * (np_softmax(x, 1) - onehot) / 3,
                               rtol=1e-12)


def test_softmax_loss_unnamed_top_is_created():
    text = '''name: "n"
    layer { name: "in" type: "Input" top: "x" top: "label"
            input_param { shape { dim: 2 dim: 3 } shape { dim: 2 } } }
    layer { name: "loss" type: "SoftmaxWithLoss" bottom: "x" bottom: "label" }'''
    net = caffe.Net.from_string(text, caffe.TRAIN, dtype=np.float64)
    net.blobs['x'].data[...] = RNG.randn(2, 3)
    net.blobs['label'].data[...] = [0, 2]
    out = net.forward()
    assert len(out) == 1
    np.testing.assert_allclose(list(out.values())[0],
                               np_softmax_loss(net.blobs['x'].data, np.array([0., 2.])))


def test_softmax_loss_label_takes_no_forced_gradient():
    x = RNG.randn(2, 3)
    net = layer_net('type: "SoftmaxWithLoss"', {'x': x, 'label': np.array([0., 1.])})
    net.blobs['label'].diff[...] = 7
    net.forward()
    net.backward()
    assert np.all(net.blobs['label'].diff == 7)


def test_softmax_loss_refuses_label_gradient():
    text = '''name: "n"
    layer { name: "in" type: "Input" top: "x" top: "l"
            input_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 1 } } }
    layer { name: "ip" type: "InnerProduct" bottom: "l" top: "label"
            inner_product_param { num_output: 1 } }
    layer { name: "loss" type: "SoftmaxWithLoss" bottom: "x" bottom: "label" }'''
    net = caffe.Net.from_string(text, caffe.TRAIN)
    net.forward()
    with pytest.raises(caffe.CaffeError, match="cannot backpropagate to the label input"):
        net.backward()


def test_softmax_loss_bad_labels():
    with pytest.raises(caffe.CaffeError, match=r"label 5 at index 1 is not a class index in \[0, 3\)"):
        layer_forward('type: "SoftmaxWithLoss"', {'x': np.ones((2, 3)), 'label': np.array([0, 5])})
    with pytest.raises(caffe.CaffeError, match="label count must equal the number of predictions"):
        layer_forward('type: "SoftmaxWithLoss"',
                      {'x': np.ones((2, 3, 2)), 'label': np.zeros((2, 3))})


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('layer', ['type: "Softmax" softmax_param { axis: 2 }',
                                   'type: "SoftmaxWithLoss" loss_param { ignore_label: 1 }'])
def test_gpu_matches_cpu(layer):
    x = RNG.randn(3, 4, 5)
    bottoms = {'x': x}
    tops = ['out']
    if 'Loss' in layer:
        bottoms['label'] = labels_for((3, 5), 4)
    results = []
    for gpu in (False, True):
        caffe.set_mode_gpu() if gpu else caffe.set_mode_cpu()
        net = layer_net(layer, bottoms, tops=tops)
        net.forward()
        net.blobs['out'].diff[...] = RNG.uniform(-1, 1, net.blobs['out'].data.shape) if not gpu \
            else results[0][2]
        dy = net.blobs['out'].diff.copy()
        net.backward()
        results.append((net.blobs['out'].data.copy(), net.blobs['x'].diff.copy(), dy))
    caffe.set_mode_cpu()
    for a, b in zip(results[0][:2], results[1][:2]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
