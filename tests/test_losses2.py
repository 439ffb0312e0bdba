"""SigmoidCrossEntropyLoss, ContrastiveLoss, HingeLoss, MultinomialLogisticLoss: loss vs
numpy, gradients vs finite differences, shape errors."""
import numpy as np
import pytest

from caffe_test_utils import check_gradient, layer_forward

RNG = np.random.RandomState(23)


def loss_of(layer, bottoms):
    return float(layer_forward(layer, bottoms, tops=('loss',), dtype=np.float64)['loss'])


def sigmoid_ce_reference(x, p, ignore=None):
    s = 1 / (1 + np.exp(-x))
    terms = -(p * np.log(s) + (1 - p) * np.log(1 - s))
    keep = np.ones_like(x, bool) if ignore is None else p != ignore
    return terms[keep].sum() / max(keep.sum(), 1)


def test_sigmoid_cross_entropy():
    x, p = RNG.randn(3, 4) * 3, RNG.rand(3, 4)
    layer = 'type: "SigmoidCrossEntropyLoss"'
    np.testing.assert_allclose(loss_of(layer, {'x': x, 'p': p}), sigmoid_ce_reference(x, p))
    check_gradient(layer, {'x': x, 'p': p}, tops=('loss',), check_bottoms=['x'])


def test_sigmoid_cross_entropy_ignore_and_batch_normalization():
    x, p = RNG.randn(4, 3), (RNG.rand(4, 3) > 0.5).astype(float)
    p[0, :2] = -1
    layer = 'type: "SigmoidCrossEntropyLoss" loss_param { ignore_label: -1 }'
    np.testing.assert_allclose(loss_of(layer, {'x': x, 'p': p}), sigmoid_ce_reference(x, p, -1))
    check_gradient(layer, {'x': x, 'p': p}, tops=('loss',), check_bottoms=['x'])
    layer = 'type: "SigmoidCrossEntropyLoss" loss_param { normalization: BATCH_SIZE }'
    np.testing.assert_allclose(loss_of(layer, {'x': x, 'p': np.abs(p)}),
                               sigmoid_ce_reference(x, np.abs(p)) * 12 / 4)


def test_sigmoid_cross_entropy_large_logits_stay_finite():
    x, p = np.array([[-800.0, 800.0]]), np.array([[0.0, 1.0]])
    assert loss_of('type: "SigmoidCrossEntropyLoss"', {'x': x, 'p': p}) == pytest.approx(0)


def contrastive_reference(a, b, y, margin, legacy):
    d2 = ((a - b) ** 2).reshape(len(a), -1).sum(1)
    far = np.maximum(margin - d2, 0) if legacy else np.maximum(margin - np.sqrt(d2), 0) ** 2
    return np.where(y != 0, d2, far).sum() / (2 * len(a))


@pytest.mark.parametrize('legacy', [False, True])
def test_contrastive(legacy):
    a, b = RNG.randn(6, 3) * 0.5, RNG.randn(6, 3) * 0.5
    y = np.array([1, 0, 1, 0, 0, 0], float)
    layer = (f'type: "ContrastiveLoss" contrastive_loss_param {{ margin: 1.5 '
             f'legacy_version: {str(legacy).lower()} }}')
    bottoms = {'a': a, 'b': b, 'y': y}
    np.testing.assert_allclose(loss_of(layer, bottoms), contrastive_reference(a, b, y, 1.5, legacy))
    # The non-legacy gradient adds 1e-4 to the distance, as in BVLC.
    check_gradient(layer, bottoms, tops=('loss',), check_bottoms=['a', 'b'], rtol=2e-3, atol=1e-5)


def test_contrastive_label_count_mismatch():
    with pytest.raises(Exception, match=r"ContrastiveLoss.*one similarity label per pair"):
        loss_of('type: "ContrastiveLoss"', {'a': RNG.randn(4, 2), 'b': RNG.randn(4, 2),
                                            'y': np.zeros(3)})


def hinge_reference(x, label, norm):
    s = np.ones_like(x)
    s[np.arange(len(x)), label] = -1
    m = np.maximum(0, 1 + s * x)
    return (m.sum() if norm == 'L1' else (m ** 2).sum()) / len(x)


@pytest.mark.parametrize('norm', ['L1', 'L2'])
def test_hinge(norm):
    x, label = RNG.randn(5, 4), RNG.randint(0, 4, 5)
    x[np.abs(np.abs(x) - 1) < 0.05] = 0.3  # keep away from the kinks
    layer = f'type: "HingeLoss" hinge_loss_param {{ norm: {norm} }}'
    bottoms = {'x': x, 'label': label.astype(float)}
    np.testing.assert_allclose(loss_of(layer, bottoms), hinge_reference(x, label, norm))
    check_gradient(layer, bottoms, tops=('loss',), check_bottoms=['x'])


def test_hinge_bad_label():
    with pytest.raises(Exception, match=r"HingeLoss.*label 4"):
        loss_of('type: "HingeLoss"', {'x': RNG.randn(2, 4), 'label': np.array([0.0, 4.0])})


def test_multinomial_logistic():
    prob, label = RNG.uniform(0.05, 1, (5, 3)), RNG.randint(0, 3, 5)
    layer = 'type: "MultinomialLogisticLoss"'
    bottoms = {'p': prob, 'label': label.astype(float)}
    ref = -np.log(prob[np.arange(5), label]).mean()
    np.testing.assert_allclose(loss_of(layer, bottoms), ref)
    check_gradient(layer, bottoms, tops=('loss',), check_bottoms=['p'])
    zero = {'p': np.zeros((1, 2)), 'label': np.zeros(1)}
    np.testing.assert_allclose(loss_of(layer, zero), -np.log(1e-20))


def test_multinomial_logistic_bad_label():
    with pytest.raises(Exception, match=r"MultinomialLogisticLoss.*label 3"):
        loss_of('type: "MultinomialLogisticLoss"', {'p': RNG.rand(2, 3), 'label': np.array([0.0, 3.0])})
