"""Convolution (im2col + GEMM) against a direct numpy convolution with stride, pad,
dilation and groups; gradients by finite differences; output shapes and bad input."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_float_matches_double, check_gradient, layer_net


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
                                            bias, engine):
    x = np.random.RandomState(0).randn(*shape)
    net = layer_net(conv_text(nout, group, bias, geom), {'x': x}, dtype=np.float32)
    assert net.layer_dict['layer'].cpu_engine.split(':')[0] == engine
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


@pytest.mark.parametrize('shape,nout,group,geom,stride,pad,dil,kernel', CASES)
@pytest.mark.parametrize('bias', [True, False])
def test_float_passes_match_double(shape, nout, group, geom, stride, pad, dil, kernel, bias,
                                   engine):
    """Forward, backward data, backward weights and bias of the float layer on each engine
    against the double layer (checked by finite differences in test_gradient)."""
    x = np.random.RandomState(5).randn(*shape)
    check_float_matches_double(conv_text(nout, group, bias, geom), {'x': x}, engine=engine)


@pytest.mark.parametrize('case', [
    # (input, num_output, group, geometry): first-layer shapes (one channel, the blocked
    # and plain-layout code paths of the engine), many channels, a grouped conv
    ((4, 1, 20, 20), 8, 1, 'kernel_size: 5'),
    ((3, 3, 17, 15), 16, 1, 'kernel_size: 5 stride: 2 pad: 2'),
    ((2, 32, 9, 9), 32, 1, 'kernel_size: 3 pad: 1'),
    ((2, 32, 8, 8), 48, 4, 'kernel_size: 3 stride: 2'),
    # channel counts that fill blocks of 8 but not of 16 (blocked on AVX2, plain on
    # AVX-512): the cluttered-MNIST localisation net's second convolution, LeNet's second
    ((3, 20, 13, 13), 20, 1, 'kernel_size: 5'),
    ((2, 20, 12, 12), 50, 1, 'kernel_size: 5'),
])
def test_float_passes_match_double_at_network_sizes(case, engine):
    shape, nout, group, geom = case
    x = np.random.RandomState(6).randn(*shape)
    check_float_matches_double(conv_text(nout, group, True, geom), {'x': x}, engine=engine)


def test_only_bias_learns(engine):
    """lr_mult 0 on the weights: the bias gradient alone is produced, the weights' diff stays 0."""
    text = conv_text(4).replace('type: "Convolution"',
                                'type: "Convolution" loss_weight: 1 '
                                'param { lr_mult: 0 } param { lr_mult: 1 }')
    x = np.random.RandomState(7).randn(2, 3, 6, 6)
    # No force_backward (it would make every parameter learn, as in BVLC): the top is a
    # loss (weight 1, so its diff is all ones) and only the bias needs a gradient.
    net = layer_net(text, {'x': x}, dtype=np.float32, force_backward=False)
    net.forward()
    for p in net.params['layer']:
        p.diff[...] = 0
    net.backward()
    np.testing.assert_array_equal(net.params['layer'][0].diff, 0)
    n, _, h, w = net.blobs['out'].data.shape
    np.testing.assert_allclose(net.params['layer'][1].diff, np.full(4, n * h * w), rtol=1e-6)


def test_parameter_gradients_accumulate(engine):
    """Caffe adds each backward's parameter gradients to the diffs (iter_size relies on it)."""
    x = np.random.RandomState(9).randn(2, 3, 7, 7)
    net = layer_net(conv_text(5), {'x': x}, dtype=np.float32)
    net.forward()
    net.blobs['out'].diff[...] = np.random.RandomState(10).randn(*net.blobs['out'].data.shape)
    for p in net.params['layer']:
        p.diff[...] = 0
    net.backward()
    once = [p.diff.copy() for p in net.params['layer']]
    net.backward()
    for p, g in zip(net.params['layer'], once):
        np.testing.assert_allclose(p.diff, 2 * g, rtol=1e-5, atol=1e-6)


def test_engine_field_forces_the_portable_pass():
    caffe.set_cpu_engine('DNNL')
    try:
        text = conv_text(2).replace('convolution_param {', 'convolution_param { engine: CAFFE')
        net = layer_net(text, {'x': np.zeros((1, 1, 5, 5))}, dtype=np.float32)
        assert net.layer_dict['layer'].cpu_engine == 'CAFFE'
        text = conv_text(2).replace('convolution_param {', 'convolution_param { engine: DNNL')
        caffe.set_cpu_engine('CAFFE')
        net = layer_net(text, {'x': np.zeros((1, 1, 5, 5))}, dtype=np.float32)
        assert net.layer_dict['layer'].cpu_engine.startswith('DNNL:')
        # oneDNN computes in float only: double nets keep the portable pass
        net = layer_net(text, {'x': np.zeros((1, 1, 5, 5))}, dtype=np.float64)
        assert net.layer_dict['layer'].cpu_engine == 'CAFFE'
    finally:
        caffe.set_cpu_engine('DEFAULT')


def net_on(engine, text, x):
    caffe.set_cpu_engine(engine)
    try:
        return layer_net(text, {'x': x}, dtype=np.float32)
    finally:
        caffe.set_cpu_engine('DEFAULT')


def gradients(net, params, dy):
    for p, value in zip(net.params['layer'], params):
        p.data[...] = value
        p.diff[...] = 0
    net.forward()
    net.blobs['out'].diff[...] = dy
    net.backward()
    return [net.blobs['x'].diff.copy()] + [p.diff.copy() for p in net.params['layer']]


@pytest.mark.parametrize('in_c,layer_type', [(1, 'Convolution'), (3, 'Convolution'),
                                             (16, 'Convolution'), (1, 'Deconvolution')])
def test_a_backward_pass_said_to_run_portably_does(in_c, layer_type):
    # A first convolution whose oneDNN backward-weights kernel would be GEMM-based runs its
    # backward pass on the portable code and says so in cpu_engine: its gradients are then
    # the CAFFE engine's bit for bit. Otherwise they come from oneDNN (equal to rounding).
    rng = np.random.RandomState(2)
    x = rng.randn(4, in_c, 20, 20).astype(np.float32)
    text = conv_text(8, extra='kernel_size: 5').replace('"Convolution"', f'"{layer_type}"')
    fast, plain = net_on('DNNL', text, x), net_on('CAFFE', text, x)
    params = [p.data.copy() for p in plain.params['layer']]
    dy = rng.randn(*plain.blobs['out'].data.shape).astype(np.float32)
    got, want = gradients(fast, params, dy), gradients(plain, params, dy)
    engine = fast.layer_dict['layer'].cpu_engine
    assert engine.startswith('DNNL:') and plain.layer_dict['layer'].cpu_engine == 'CAFFE'
    portable = engine.endswith(' (backward: CAFFE)')
    if in_c >= 8 or layer_type == 'Deconvolution':
        assert not portable, engine
    for a, b in zip(got, want):
        if portable:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * float(np.abs(b).max()))


def test_unknown_engine_name_raises():
    with pytest.raises(caffe.ParseError, match='unknown CPU engine'):
        caffe.set_cpu_engine('MKL')


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
