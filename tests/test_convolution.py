"""Convolution (im2col + GEMM) against a direct numpy convolution with stride, pad,
dilation and groups; gradients by finite differences; output shapes and bad input."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_net


def conv_text(num_output, group=1, bias=True, extra='kernel_size: 3'):
    return (f'type: "Convolution" convolution_param {{ num_output: {num_output} group: {group} '
            f'bias_term: {str(bias).lower()} {extra} '
            'weight_filler { type: "gaussian" std: 0.5 } '
            'bias_filler { type: "uniform" min: -1 max: 1 } }')


def conv_reference(x, w, b, stride, pad, dilation, group):
    """Direct convolution: loops over output pixels and kernel taps."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, pad, dilation
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    oh = (h + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (wd + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    out = np.zeros((n, o, oh, ow))
    og = o // group
    for oc in range(o):
        g = oc // og
        xs = xp[:, g * cg:(g + 1) * cg]
        for y in range(oh):
            for xx in range(ow):
                acc = np.zeros(n)
                for i in range(kh):
                    for j in range(kw):
                        acc += xs[:, :, y * sh + i * dh, xx * sw + j * dw] @ w[oc, :, i, j]
                out[:, oc, y, xx] = acc + (b[oc] if b is not None else 0)
    return out


CASES = [
    # (input shape, num_output, group, prototxt geometry, stride, pad, dilation, kernel)
    ((2, 3, 7, 6), 4, 1, 'kernel_size: 3', (1, 1), (0, 0), (1, 1), (3, 3)),
    ((2, 4, 8, 7), 6, 2, 'kernel_size: 3 stride: 2 pad: 1', (2, 2), (1, 1), (1, 1), (3, 3)),
    ((1, 3, 9, 10), 3, 3, 'kernel_h: 2 kernel_w: 3 stride_h: 2 stride_w: 1 pad_h: 0 pad_w: 2',
     (2, 1), (0, 2), (1, 1), (2, 3)),
    ((2, 2, 9, 9), 2, 1, 'kernel_size: 3 dilation: 2 pad: 1', (1, 1), (1, 1), (2, 2), (3, 3)),
    ((1, 2, 10, 9), 4, 2, 'kernel_size: 3 kernel_size: 2 stride: 3 stride: 2 pad: 2 pad: 1 '
     'dilation: 1 dilation: 3', (3, 2), (2, 1), (1, 3), (3, 2)),
    ((2, 5, 4, 3), 3, 1, 'kernel_size: 1', (1, 1), (0, 0), (1, 1), (1, 1)),  # 1x1 path
]


@pytest.mark.parametrize('shape,nout,group,geom,stride,pad,dil,kernel', CASES)
@pytest.mark.parametrize('bias', [True, False])
def test_forward_matches_direct_convolution(shape, nout, group, geom, stride, pad, dil, kernel,
                                            bias):
    x = np.random.RandomState(0).randn(*shape)
    net = layer_net(conv_text(nout, group, bias, geom), {'x': x}, dtype=np.float32)
    w = net.params['layer'][0].data.astype(np.float64)
    assert w.shape == (nout, shape[1] // group) + kernel
    b = net.params['layer'][1].data.astype(np.float64) if bias else None
    net.forward()
    ref = conv_reference(x, w, b, stride, pad, dil, group)
    assert net.blobs['out'].data.shape == ref.shape
    np.testing.assert_allclose(net.blobs['out'].data, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('shape,nout,group,geom', [
    ((2, 2, 5, 4), 2, 1, 'kernel_size: 3 pad: 1'),
    ((1, 4, 5, 5), 4, 2, 'kernel_size: 2 stride: 2 pad: 1'),
    ((1, 2, 6, 5), 3, 1, 'kernel_h: 2 kernel_w: 3 dilation: 2'),
    ((2, 3, 3, 3), 2, 1, 'kernel_size: 1'),
])
def test_gradient(shape, nout, group, geom):
    x = np.random.RandomState(1).randn(*shape)
    check_gradient(conv_text(nout, group, True, geom), {'x': x})


def test_two_bottoms_share_weights():
    rng = np.random.RandomState(2)
    a, b = rng.randn(1, 2, 5, 5), rng.randn(1, 2, 5, 5)
    net = layer_net(conv_text(3), {'a': a, 'b': b}, tops=('ya', 'yb'))
    net.forward()
    w, bias = net.params['layer'][0].data, net.params['layer'][1].data
    for name, x in (('ya', a), ('yb', b)):
        np.testing.assert_allclose(net.blobs[name].data,
                                   conv_reference(x, w, bias, (1, 1), (0, 0), (1, 1), 1),
                                   rtol=1e-10)
    check_gradient(conv_text(3), {'a': a, 'b': b}, tops=('ya', 'yb'))


def test_output_shapes_round_down():
    # (7 + 2*1 - 3) // 2 + 1 = 4 and (6 + 0 - 2) // 3 + 1 = 2
    net = layer_net(conv_text(5, extra='kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 3 '
                                       'pad_h: 1 pad_w: 0'), {'x': np.zeros((3, 2, 7, 6))})
    assert net.blobs['out'].data.shape == (3, 5, 4, 2)


def test_kernel_larger_than_padded_input_raises():
    with pytest.raises(Exception, match=r"layer 'layer' \(Convolution\).*larger than the padded"):
        layer_net(conv_text(2, extra='kernel_size: 5 pad: 1'), {'x': np.zeros((1, 1, 2, 2))})
    with pytest.raises(Exception, match=r"\(Convolution\).*dilation 3"):
        layer_net(conv_text(2, extra='kernel_size: 3 dilation: 3'), {'x': np.zeros((1, 1, 6, 6))})


def test_num_output_not_divisible_by_group_raises():
    with pytest.raises(Exception, match=r"\(Convolution\).*num_output \(5\).*group \(2\)"):
        layer_net(conv_text(5, group=2), {'x': np.zeros((1, 4, 5, 5))})


def test_channels_not_divisible_by_group_raises():
    with pytest.raises(Exception, match=r"\(Convolution\).*input channels \(3\).*group \(2\)"):
        layer_net(conv_text(4, group=2), {'x': np.zeros((1, 3, 5, 5))})


def test_nd_input_raises():
    with pytest.raises(Exception, match=r"\(Convolution\).*2 spatial axes"):
        layer_net(conv_text(2), {'x': np.zeros((1, 1, 4, 4, 4))})


def test_conflicting_kernel_forms_raise():
    with pytest.raises(Exception, match=r"\(Convolution\).*kernel_size or kernel_h"):
        layer_net(conv_text(2, extra='kernel_size: 3 kernel_h: 2 kernel_w: 2'),
                  {'x': np.zeros((1, 1, 4, 4))})
    with pytest.raises(Exception, match=r"\(Convolution\).*needs kernel_size"):
        layer_net(conv_text(2, extra=''), {'x': np.zeros((1, 1, 4, 4))})


def test_channel_change_raises():
    net = layer_net(conv_text(2), {'x': np.zeros((1, 2, 4, 4))})
    net.blobs['x'].reshape(1, 3, 4, 4)
    with pytest.raises(Exception, match=r"\(Convolution\).*expected 2 input channels"):
        net.forward()


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('geom,group', [('kernel_size: 3 stride: 2 pad: 1 dilation: 2', 2),
                                        ('kernel_size: 1', 1)])
def test_gpu_matches_cpu(geom, group):
    x = np.random.RandomState(3).randn(2, 4, 9, 8)
    net = layer_net(conv_text(6, group, True, geom), {'x': x})
    results = []
    for mode in (caffe.set_mode_cpu, caffe.set_mode_gpu):
        mode()
        net.forward()
        top = net.blobs['out']
        top.diff[...] = np.random.RandomState(4).randn(*top.data.shape)
        for p in net.params['layer']:
            p.diff[...] = 0
        net.backward()
        results.append([top.data.copy(), net.blobs['x'].diff.copy()] +
                       [p.diff.copy() for p in net.params['layer']])
    for c, g in zip(*results):
        np.testing.assert_allclose(g, c, rtol=1e-9, atol=1e-9)
