"""Deconvolution: forward vs a direct numpy scatter (transposed convolution), gradients
vs finite differences, bad geometry."""
import numpy as np
import pytest

from caffe_test_utils import check_float_matches_double, check_gradient, layer_forward, layer_net

RNG = np.random.RandomState(19)


def deconv_reference(x, w, b, stride, pad, dilation, group):
    n, c, h, wd = x.shape
    cin_g, cout_g, kh, kw = w.shape[0] // group, w.shape[1], w.shape[2], w.shape[3]
    oh = stride * (h - 1) + dilation * (kh - 1) + 1 - 2 * pad
    ow = stride * (wd - 1) + dilation * (kw - 1) + 1 - 2 * pad
    y = np.zeros((n, cout_g * group, oh, ow))
    for ci in range(c):
        g = ci // cin_g
        for co in range(cout_g):
            for i in range(h):
                for j in range(wd):
                    for a in range(kh):
                        for bb in range(kw):
                            r, s = i * stride - pad + a * dilation, j * stride - pad + bb * dilation
                            if 0 <= r < oh and 0 <= s < ow:
                                y[:, g * cout_g + co, r, s] += x[:, ci, i, j] * w[ci, co, a, bb]
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


CASES = [
    dict(num_output=3, kernel=3, stride=2, pad=1, dilation=1, group=1),
    dict(num_output=4, kernel=2, stride=1, pad=0, dilation=2, group=2),
    dict(num_output=2, kernel=1, stride=1, pad=0, dilation=1, group=1),
]


def layer_text(c, bias=True):
    return ('type: "Deconvolution" convolution_param { '
            f'num_output: {c["num_output"]} kernel_size: {c["kernel"]} stride: {c["stride"]} '
            f'pad: {c["pad"]} dilation: {c["dilation"]} group: {c["group"]} '
            f'bias_term: {str(bias).lower()} '
            'weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }')


@pytest.mark.parametrize('c', CASES)
def test_forward_matches_reference(c):
    x = RNG.randn(2, 4, 3, 3)
    net = layer_net(layer_text(c), {'x': x})
    net.forward()
    w, b = (p.data for p in net.params['layer'])
    assert w.shape == (4, c['num_output'] // c['group'], c['kernel'], c['kernel'])
    ref = deconv_reference(x, w, b, c['stride'], c['pad'], c['dilation'], c['group'])
    np.testing.assert_allclose(net.blobs['out'].data, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('c', CASES)
@pytest.mark.parametrize('bias', [True, False])
def test_float_passes_match_double(c, bias, engine):
    """The float layer on each engine against the double one (finite-difference checked)."""
    check_float_matches_double(layer_text(c, bias), {'x': RNG.randn(2, 4, 5, 4)}, engine=engine)


@pytest.mark.parametrize('c', CASES)
def test_gradient(c):
    check_gradient(layer_text(c), {'x': RNG.randn(2, 4, 2, 3)})


def test_gradient_without_bias():
    check_gradient(layer_text(CASES[0], bias=False), {'x': RNG.randn(1, 4, 2, 2)})


def test_empty_output_is_rejected():
    text = 'type: "Deconvolution" convolution_param { num_output: 1 kernel_size: 1 pad: 2 }'
    with pytest.raises(Exception, match=r"Deconvolution.*output height would be"):
        layer_forward(text, {'x': RNG.randn(1, 1, 2, 2)})
