"""Im2col: the column buffer of a 2-D convolution, against a numpy unfolding written from
the definition; gradient against finite differences; it agrees with Convolution."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_forward

RNG = np.random.RandomState(5)


def unfold(x, kh, kw, sh=1, sw=1, ph=0, pw=0, dh=1, dw=1):
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + w] = x
    oh = (h + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (w + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    out = np.zeros((n, c * kh * kw, oh, ow))
    for ci in range(c):
        for i in range(kh):
            for j in range(kw):
                for y in range(oh):
                    for z in range(ow):
                        out[:, (ci * kh + i) * kw + j, y, z] = xp[:, ci, y * sh + i * dh, z * sw + j * dw]
    return out


CASES = [
    ('kernel_size: 2', dict(kh=2, kw=2)),
    ('kernel_size: 3 stride: 2 pad: 1', dict(kh=3, kw=3, sh=2, sw=2, ph=1, pw=1)),
    ('kernel_h: 2 kernel_w: 3 stride_h: 1 stride_w: 2 pad_h: 0 pad_w: 1',
     dict(kh=2, kw=3, sh=1, sw=2, ph=0, pw=1)),
    ('kernel_size: 2 dilation: 2 pad: 1', dict(kh=2, kw=2, ph=1, pw=1, dh=2, dw=2)),
]


@pytest.mark.parametrize('conv,geom', CASES)
def test_im2col_forward_and_gradient(conv, geom):
    x = RNG.randn(2, 3, 5, 6)
    text = f'type: "Im2col" convolution_param {{ {conv} }}'
    out = layer_forward(text, {'x': x}, dtype=np.float64)['out']
    np.testing.assert_array_equal(out, unfold(x, **geom))
    check_gradient(text, {'x': RNG.randn(1, 2, 4, 4)})


def test_im2col_times_weights_is_convolution():
    x = RNG.randn(2, 3, 5, 5)
    conv = 'num_output: 4 kernel_size: 3 pad: 1 stride: 2 bias_term: false weight_filler { type: "gaussian" }'
    text = f'''name: "c"
layer {{ name: "in" type: "Input" top: "x" input_param {{ shape {{ dim: 2 dim: 3 dim: 5 dim: 5 }} }} }}
layer {{ name: "conv" type: "Convolution" bottom: "x" top: "y" convolution_param {{ {conv} }} }}
layer {{ name: "cols" type: "Im2col" bottom: "x" top: "cols" convolution_param {{ {conv} }} }}
'''
    net = caffe.Net.from_string(text, caffe.TEST, dtype=np.float64)
    net.blobs['x'].data[...] = x
    net.forward()
    w = net.params['conv'][0].data.reshape(4, -1)
    cols = net.blobs['cols'].data
    want = np.einsum('ok,nkhw->nohw', w, cols)
    np.testing.assert_allclose(net.blobs['y'].data, want, rtol=1e-12, atol=1e-12)


def test_im2col_errors():
    with pytest.raises(caffe.ParseError, match=r"Im2col.*needs kernel_size"):
        layer_forward('type: "Im2col"', {'x': RNG.randn(1, 1, 3, 3)})
    with pytest.raises(caffe.ShapeError, match=r"Im2col.*larger than the padded input"):
        layer_forward('type: "Im2col" convolution_param { kernel_size: 4 }', {'x': RNG.randn(1, 1, 3, 3)})
