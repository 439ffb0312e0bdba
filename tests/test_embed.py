"""Embed: lookup vs numpy indexing, weight/bias gradients (with repeated indices) vs
finite differences, out-of-range indices."""
import numpy as np
import pytest

from caffe_test_utils import check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(29)
LAYER = ('type: "Embed" embed_param { input_dim: 5 num_output: 3 bias_term: %s '
         'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }')


@pytest.mark.parametrize('bias', ['true', 'false'])
def test_forward_is_a_lookup(bias):
    idx = np.array([[0, 4, 2], [2, 2, 1]], float)
    net = layer_net(LAYER % bias, {'i': idx})
    net.forward()
    params = net.params['layer']
    assert params[0].data.shape == (5, 3) and len(params) == (2 if bias == 'true' else 1)
    ref = params[0].data[idx.astype(int)]
    if bias == 'true':
        ref = ref + params[1].data
    np.testing.assert_allclose(net.blobs['out'].data, ref)
    assert net.blobs['out'].data.shape == (2, 3, 3)


@pytest.mark.parametrize('bias', ['true', 'false'])
def test_parameter_gradients(bias):
    idx = np.array([1, 3, 1, 0, 1], float)  # repeated rows accumulate
    check_gradient(LAYER % bias, {'i': idx}, check_bottoms=[])


@pytest.mark.parametrize('bad', [5, -1, 1.5])
def test_bad_index_is_rejected(bad):
    with pytest.raises(Exception, match=r"Embed.*is not an integer in \[0, 5\)"):
        layer_forward(LAYER % 'true', {'i': np.array([0.0, bad])})
