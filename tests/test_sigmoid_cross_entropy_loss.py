"""SigmoidCrossEntropyLoss: loss vs numpy (ignore_label, normalization), gradients vs finite
differences, large logits."""
import numpy as np
import pytest

import caffe

from caffe_test_utils import check_gradient, layer_loss

RNG = np.random.RandomState(23)


def reference(x, p, ignore=None):
    s = 1 / (1 + np.exp(-x))
    terms = -(p * np.log(s) + (1 - p) * np.log(1 - s))
    keep = np.ones_like(x, bool) if ignore is None else p != ignore
    return terms[keep].sum() / max(keep.sum(), 1)


def test_loss_and_gradient():
    x, p = RNG.randn(3, 4) * 3, RNG.rand(3, 4)
    layer = 'type: "SigmoidCrossEntropyLoss"'
    np.testing.assert_allclose(layer_loss(layer, {'x': x, 'p': p}), reference(x, p))
    check_gradient(layer, {'x': x, 'p': p}, tops=('loss',), check_bottoms=['x'])


def test_ignore_label_and_batch_normalization():
    x, p = RNG.randn(4, 3), (RNG.rand(4, 3) > 0.5).astype(float)
    p[0, :2] = -1
    layer = 'type: "SigmoidCrossEntropyLoss" loss_param { ignore_label: -1 }'
    np.testing.assert_allclose(layer_loss(layer, {'x': x, 'p': p}), reference(x, p, -1))
    check_gradient(layer, {'x': x, 'p': p}, tops=('loss',), check_bottoms=['x'])
    layer = 'type: "SigmoidCrossEntropyLoss" loss_param { normalization: BATCH_SIZE }'
    np.testing.assert_allclose(layer_loss(layer, {'x': x, 'p': np.abs(p)}),
                               reference(x, np.abs(p)) * 12 / 4)


def test_large_logits_stay_finite():
    x, p = np.array([[-800.0, 800.0]]), np.array([[0.0, 1.0]])
    assert layer_loss('type: "SigmoidCrossEntropyLoss"', {'x': x, 'p': p}) == pytest.approx(0)


@pytest.mark.parametrize('layer, bottoms', [
    ('SigmoidCrossEntropyLoss', 'bottom: "x" bottom: "x"'),  # divided count by batch: SIGFPE
    ('HingeLoss', 'bottom: "x" bottom: "y"'),
    ('MultinomialLogisticLoss', 'bottom: "x" bottom: "y"'),
    ('EuclideanLoss', 'bottom: "x" bottom: "x"'),
    ('SoftmaxWithLoss', 'bottom: "x" bottom: "y"'),
])
def test_an_empty_batch_is_a_clear_error(layer, bottoms):
    # Found by fuzzing (fuzz/net_prototxt): a batch of 0 items made the loss divide by zero.
    net_text = f'''
layer {{ name: "in" type: "Input" top: "x" top: "y"
        input_param {{ shape {{ dim: 0 dim: 3 }} shape {{ dim: 0 }} }} }}
layer {{ name: "loss" type: "{layer}" {bottoms} top: "loss" }}
'''
    with pytest.raises(caffe.ShapeError, match="layer 'loss'.*empty batch"):
        caffe.Net.from_string(net_text, caffe.TRAIN)
