"""MultinomialLogisticLoss: loss vs numpy (probabilities clipped at 1e-20), gradients vs
finite differences, label check."""
import numpy as np
import pytest

from caffe_test_utils import check_gradient, layer_loss

RNG = np.random.RandomState(23)


def test_loss_and_gradient():
    prob, label = RNG.uniform(0.05, 1, (5, 3)), RNG.randint(0, 3, 5)
    layer = 'type: "MultinomialLogisticLoss"'
    bottoms = {'p': prob, 'label': label.astype(float)}
    ref = -np.log(prob[np.arange(5), label]).mean()
    np.testing.assert_allclose(layer_loss(layer, bottoms), ref)
    check_gradient(layer, bottoms, tops=('loss',), check_bottoms=['p'])
    zero = {'p': np.zeros((1, 2)), 'label': np.zeros(1)}
    np.testing.assert_allclose(layer_loss(layer, zero), -np.log(1e-20))


def test_bad_label():
    with pytest.raises(Exception, match=r"MultinomialLogisticLoss.*label 3"):
        layer_loss('type: "MultinomialLogisticLoss"',
                   {'p': RNG.rand(2, 3), 'label': np.array([0.0, 3.0])})
