"""ContrastiveLoss: loss vs numpy (current and legacy margin), gradients vs finite
differences, label count check."""
import numpy as np
import pytest

from caffe_test_utils import check_gradient, layer_loss

RNG = np.random.RandomState(23)


def reference(a, b, y, margin, legacy):
    d2 = ((a - b) ** 2).reshape(len(a), -1).sum(1)
    far = np.maximum(margin - d2, 0) if legacy else np.maximum(margin - np.sqrt(d2), 0) ** 2
    return np.where(y != 0, d2, far).sum() / (2 * len(a))


@pytest.mark.parametrize('legacy', [False, True])
def test_loss_and_gradient(legacy):
    a, b = RNG.randn(6, 3) * 0.5, RNG.randn(6, 3) * 0.5
    y = np.array([1, 0, 1, 0, 0, 0], float)
    layer = (f'type: "ContrastiveLoss" contrastive_loss_param {{ margin: 1.5 '
             f'legacy_version: {str(legacy).lower()} }}')
    bottoms = {'a': a, 'b': b, 'y': y}
    np.testing.assert_allclose(layer_loss(layer, bottoms), reference(a, b, y, 1.5, legacy))
    # The non-legacy gradient adds 1e-4 to the distance, as in BVLC.
    check_gradient(layer, bottoms, tops=('loss',), check_bottoms=['a', 'b'], rtol=2e-3, atol=1e-5)


def test_label_count_mismatch():
    with pytest.raises(Exception, match=r"ContrastiveLoss.*one similarity label per pair"):
        layer_loss('type: "ContrastiveLoss"', {'a': RNG.randn(4, 2), 'b': RNG.randn(4, 2),
                                               'y': np.zeros(3)})
