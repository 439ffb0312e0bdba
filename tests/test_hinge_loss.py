"""HingeLoss: L1 and L2 loss vs numpy, gradients vs finite differences, label check."""
import numpy as np
import pytest

from caffe_test_utils import check_gradient, layer_loss

RNG = np.random.RandomState(23)


def reference(x, label, norm):
    s = np.ones_like(x)
    s[np.arange(len(x)), label] = -1
    m = np.maximum(0, 1 + s * x)
    return (m.sum() if norm == 'L1' else (m ** 2).sum()) / len(x)


@pytest.mark.parametrize('norm', ['L1', 'L2'])
def test_loss_and_gradient(norm):
    x, label = RNG.randn(5, 4), RNG.randint(0, 4, 5)
    x[np.abs(np.abs(x) - 1) < 0.05] = 0.3  # keep away from the kinks
    layer = f'type: "HingeLoss" hinge_loss_param {{ norm: {norm} }}'
    bottoms = {'x': x, 'label': label.astype(float)}
    np.testing.assert_allclose(layer_loss(layer, bottoms), reference(x, label, norm))
    check_gradient(layer, bottoms, tops=('loss',), check_bottoms=['x'])


def test_bad_label():
    with pytest.raises(Exception, match=r"HingeLoss.*label 4"):
        layer_loss('type: "HingeLoss"', {'x': RNG.randn(2, 4), 'label': np.array([0.0, 4.0])})
