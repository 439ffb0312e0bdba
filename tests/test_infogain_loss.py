"""InfogainLoss: softmax + infogain matrix H (third bottom or binaryproto file) vs numpy,
gradients vs finite differences, ignore_label, bad H."""
import os
import tempfile

import numpy as np
import pytest

from caffe.proto import caffe_pb2
from caffe_test_utils import check_gradient, layer_loss

RNG = np.random.RandomState(31)


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def reference(x, label, H, axis=1, ignore=None):
    p = np.moveaxis(softmax(x, axis), axis, -1).reshape(-1, x.shape[axis])
    label = label.reshape(-1).astype(int)
    keep = np.ones(len(label), bool) if ignore is None else label != ignore
    terms = -(H[label[keep]] * np.log(np.maximum(p[keep], 1e-20))).sum()
    return terms / max(keep.sum(), 1)


def test_third_bottom_and_gradient():
    x, label, H = RNG.randn(4, 3, 2), RNG.randint(0, 3, (4, 2)).astype(float), RNG.rand(3, 3)
    bottoms = {'x': x, 'label': label, 'H': H}
    np.testing.assert_allclose(layer_loss('type: "InfogainLoss"', bottoms), reference(x, label, H))
    check_gradient('type: "InfogainLoss"', bottoms, tops=('loss',), check_bottoms=['x'])


def test_identity_matches_softmax_with_loss_and_ignore_label():
    x, label = RNG.randn(5, 4), RNG.randint(0, 4, 5).astype(float)
    label[1] = 7
    layer = 'type: "InfogainLoss" loss_param { ignore_label: 7 }'
    got = layer_loss(layer, {'x': x, 'label': label, 'H': np.eye(4)})
    np.testing.assert_allclose(got, reference(x, label, np.eye(4), ignore=7))
    soft = layer_loss('type: "SoftmaxWithLoss" loss_param { ignore_label: 7 }', {'x': x, 'label': label})
    np.testing.assert_allclose(got, soft)
    check_gradient(layer, {'x': x, 'label': label, 'H': np.eye(4)}, tops=('loss',),
                   check_bottoms=['x'])


def test_matrix_from_binaryproto_file():
    H = RNG.rand(3, 3)
    proto = caffe_pb2.BlobProto()
    proto.shape.dim.extend([1, 1, 3, 3])
    proto.data.extend(H.reshape(-1).tolist())
    with tempfile.NamedTemporaryFile(suffix='.binaryproto', delete=False) as f:
        f.write(proto.SerializeToString())
    try:
        x, label = RNG.randn(2, 3), np.array([2.0, 0.0])
        got = layer_loss(f'type: "InfogainLoss" infogain_loss_param {{ source: "{f.name}" }}',
                      {'x': x, 'label': label})
    finally:
        os.unlink(f.name)
    np.testing.assert_allclose(got, reference(x, label, H.astype(np.float32)), rtol=1e-6)


def test_bad_inputs():
    with pytest.raises(Exception, match=r"InfogainLoss.*H must be 3 x 3"):
        layer_loss('type: "InfogainLoss"', {'x': RNG.randn(2, 3), 'label': np.zeros(2),
                                         'H': np.eye(2)})
    with pytest.raises(Exception, match=r"InfogainLoss.*needs the infogain matrix"):
        layer_loss('type: "InfogainLoss"', {'x': RNG.randn(2, 3), 'label': np.zeros(2)})
