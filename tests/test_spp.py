"""SPP (spatial pyramid pooling): each level against numpy pooling with BVLC's kernel and
padding rule, flattened and concatenated; gradients against finite differences."""
import math

import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_forward
from test_pooling import distinct, pool_reference


def spp_reference(x, height, mode):
    n, c, h, w = x.shape
    parts = []
    for level in range(height):
        bins = 2 ** level
        kh, kw = math.ceil(h / bins), math.ceil(w / bins)
        ph, pw = (kh * bins - h + 1) // 2, (kw * bins - w + 1) // 2
        out, _ = pool_reference(x, (kh, kw), (kh, kw), (ph, pw), mode)
        parts.append(out.reshape(n, -1))
    return parts[0].reshape(n, c, 1, 1) if height == 1 else np.concatenate(parts, axis=1)


@pytest.mark.parametrize('mode', ['MAX', 'AVE'])
@pytest.mark.parametrize('height,size', [(1, (5, 6)), (2, (6, 6)), (3, (8, 9)), (3, (9, 7))])
def test_spp_forward_matches_numpy(mode, height, size):
    x = distinct((2, 3) + size, seed=height)
    text = f'type: "SPP" spp_param {{ pyramid_height: {height} pool: {mode} }}'
    out = layer_forward(text, {'x': x}, dtype=np.float64)['out']
    want = spp_reference(x, height, mode)
    if height > 1:
        assert out.shape == (2, 3 * sum(4 ** l for l in range(height)))
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('mode', ['MAX', 'AVE'])
def test_spp_gradient(mode):
    check_gradient(f'type: "SPP" spp_param {{ pyramid_height: 3 pool: {mode} }}',
                   {'x': distinct((1, 2, 6, 7), seed=4)})


def test_spp_stochastic_test_phase_gradient():
    x = np.random.RandomState(2).uniform(0.1, 1, (1, 2, 4, 4))
    text = 'type: "SPP" spp_param { pyramid_height: 2 pool: STOCHASTIC }'
    out = layer_forward(text, {'x': x}, dtype=np.float64)['out']
    whole = (x ** 2).sum(axis=(2, 3)) / x.sum(axis=(2, 3))
    np.testing.assert_allclose(out[:, :2], whole, rtol=1e-12)
    quarter = x[:, :, :2, :2]
    np.testing.assert_allclose(out[:, 2], (quarter[:, 0] ** 2).sum() / quarter[:, 0].sum(), rtol=1e-12)
    check_gradient(text, {'x': x}, phase=caffe.TEST)


def test_spp_errors():
    with pytest.raises(caffe.ParseError, match=r"SPP.*pyramid_height must be in"):
        layer_forward('type: "SPP"', {'x': np.ones((1, 1, 4, 4))})
    with pytest.raises(caffe.ShapeError, match=r"SPP.*too small for pyramid level 2"):
        layer_forward('type: "SPP" spp_param { pyramid_height: 3 }', {'x': np.ones((1, 1, 3, 3))})
