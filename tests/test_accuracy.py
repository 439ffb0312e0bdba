"""Accuracy: top-k, class axis, ignore_label and per-class accuracy against numpy;
bad inputs; no gradient; GPU parity."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import layer_forward, layer_net

RNG = np.random.RandomState(3)


def np_accuracy(scores, labels, k=1, axis=1, ignore=None):
    s = np.moveaxis(scores, axis, -1).reshape(-1, scores.shape[axis])
    lab = labels.reshape(-1).astype(int)
    classes = s.shape[1]
    hits, seen = np.zeros(classes), np.zeros(classes)
    correct = counted = 0
    for row, l in zip(s, lab):
        if ignore is not None and l == ignore:
            continue
        # the label is in the top k when fewer than k other classes score >= it
        hit = np.sum(row >= row[l]) <= k
        correct += hit
        counted += 1
        seen[l] += 1
        hits[l] += hit
    per_class = np.where(seen > 0, hits / np.maximum(seen, 1), 0)
    return (correct / counted if counted else 0), per_class


@pytest.mark.parametrize('k', [1, 2, 4])
def test_top_k(k):
    scores = RNG.randn(20, 6)
    labels = RNG.randint(0, 6, 20).astype(float)
    out = layer_forward(f'type: "Accuracy" accuracy_param {{ top_k: {k} }}',
                        {'s': scores, 'l': labels}, tops=['acc', 'cls'], dtype=np.float64)
    acc, per_class = np_accuracy(scores, labels, k)
    assert out['acc'].shape == () and out['cls'].shape == (6,)
    np.testing.assert_allclose(out['acc'], acc, rtol=1e-12)
    np.testing.assert_allclose(out['cls'], per_class, rtol=1e-12)


def test_exact_values_and_ties():
    scores = np.array([[0.1, 0.9, 0.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.9, 0.05, 0.05]])
    labels = np.array([1., 0., 0., 0.])
    out = layer_forward('type: "Accuracy"', {'s': scores, 'l': labels}, tops=['acc', 'cls'],
                        dtype=np.float64)
    # row 1 is a tie, which counts as a miss for top-1
    assert out['acc'] == pytest.approx(0.5)
    np.testing.assert_allclose(out['cls'], [1 / 3, 1, 0])


def test_axis_and_ignore_label():
    scores = RNG.randn(3, 4, 5)  # classes on the last axis
    labels = RNG.randint(0, 5, (3, 4)).astype(float)
    labels[0] = 2
    out = layer_forward('type: "Accuracy" accuracy_param { axis: -1 ignore_label: 2 top_k: 2 }',
                        {'s': scores, 'l': labels}, tops=['acc', 'cls'], dtype=np.float64)
    acc, per_class = np_accuracy(scores, labels, 2, axis=2, ignore=2)
    np.testing.assert_allclose(out['acc'], acc, rtol=1e-12)
    np.testing.assert_allclose(out['cls'], per_class, rtol=1e-12)
    assert out['cls'][2] == 0


def test_spatial_labels():
    scores = RNG.randn(2, 3, 4, 4)
    labels = RNG.randint(0, 3, (2, 1, 4, 4)).astype(float)
    out = layer_forward('type: "Accuracy"', {'s': scores, 'l': labels}, tops=['acc'],
                        dtype=np.float64)
    np.testing.assert_allclose(out['acc'], np_accuracy(scores, labels)[0], rtol=1e-12)


def test_all_ignored_gives_zero():
    out = layer_forward('type: "Accuracy" accuracy_param { ignore_label: 0 }',
                        {'s': RNG.randn(3, 2), 'l': np.zeros(3)}, tops=['acc'])
    assert out['acc'] == 0


def test_bad_inputs():
    with pytest.raises(caffe.CaffeError, match=r"top_k \(4\) must not exceed the number of classes \(3\)"):
        layer_forward('type: "Accuracy" accuracy_param { top_k: 4 }',
                      {'s': np.ones((2, 3)), 'l': np.zeros(2)}, tops=['acc'])
    with pytest.raises(caffe.CaffeError, match="label count must equal the number of predictions"):
        layer_forward('type: "Accuracy"', {'s': np.ones((2, 3)), 'l': np.zeros(3)}, tops=['acc'])
    with pytest.raises(caffe.CaffeError, match=r"label 3 at index 0 is not a class index in \[0, 3\)"):
        layer_forward('type: "Accuracy"', {'s': np.ones((2, 3)), 'l': np.array([3., 0.])},
                      tops=['acc'])


def test_no_gradient_even_with_force_backward():
    net = layer_net('type: "Accuracy"', {'s': RNG.randn(2, 3), 'l': np.zeros(2)}, tops=['acc'])
    net.forward()
    net.backward()  # force_backward does not reach Accuracy's bottoms
    assert np.all(net.blobs['s'].diff == 0)


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
def test_gpu_matches_cpu():
    scores = RNG.randn(4, 5, 3)
    labels = RNG.randint(0, 5, (4, 3)).astype(float)
    layer = 'type: "Accuracy" accuracy_param { top_k: 2 ignore_label: 1 }'
    res = []
    for gpu in (False, True):
        caffe.set_mode_gpu() if gpu else caffe.set_mode_cpu()
        res.append(layer_forward(layer, {'s': scores, 'l': labels}, tops=['acc', 'cls']))
    caffe.set_mode_cpu()
    for t in ('acc', 'cls'):
        np.testing.assert_allclose(res[0][t], res[1][t])
