"""Pooling (MAX with optional mask top, AVE, STOCHASTIC, global) against numpy loops; Caffe's
output-size rule (ceil rounding, last window starts inside the padded image)."""
import math

import numpy as np
import pytest

import caffe
from caffe_test_utils import (check_float_matches_double, check_gradient, engine_kind,
                              layer_forward, layer_net)


def pool_text(pool='MAX', extra='kernel_size: 2 stride: 2'):
    return f'type: "Pooling" pooling_param {{ pool: {pool} {extra} }}'


def out_size(n, k, p, s, ceil=True, any_pad=None):
    any_pad = p > 0 if any_pad is None else any_pad
    o = (math.ceil if ceil else math.floor)((n + 2 * p - k) / s) + 1
    if any_pad and (o - 1) * s >= n + p:
        o -= 1
    return o


def pool_reference(x, kernel, stride, pad, mode, ceil=True):
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    any_pad = ph > 0 or pw > 0
    oh, ow = out_size(h, kh, ph, sh, ceil, any_pad), out_size(w, kw, pw, sw, ceil, any_pad)
    out = np.zeros((n, c, oh, ow))
    mask = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * sh - ph, j * sw - pw
            h1, w1 = min(h0 + kh, h + ph), min(w0 + kw, w + pw)
            area = (h1 - h0) * (w1 - w0)
            h0c, w0c, h1c, w1c = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            win = x[:, :, h0c:h1c, w0c:w1c].reshape(n, c, -1)
            if mode == 'MAX':
                arg = win.argmax(axis=2)
                out[:, :, i, j] = win.max(axis=2)
                ww = w1c - w0c
                mask[:, :, i, j] = (h0c + arg // ww) * w + (w0c + arg % ww)
            else:
                out[:, :, i, j] = win.sum(axis=2) / area
    return out, mask


def distinct(shape, seed=0):
    """Values that are all different (a stable argmax), in random order."""
    rng = np.random.RandomState(seed)
    return (rng.permutation(int(np.prod(shape))) * 0.1 - 3.0).reshape(shape)


GEOMS = [  # (prototxt, kernel, stride, pad)
    ('kernel_size: 2 stride: 2', (2, 2), (2, 2), (0, 0)),
    ('kernel_size: 3 stride: 2', (3, 3), (2, 2), (0, 0)),          # ceil rounding
    ('kernel_size: 3 stride: 2 pad: 1', (3, 3), (2, 2), (1, 1)),
    ('kernel_size: 3 stride: 3 pad: 2', (3, 3), (3, 3), (2, 2)),   # last window dropped
    ('kernel_h: 3 kernel_w: 2 stride_h: 1 stride_w: 2 pad_h: 1 pad_w: 0', (3, 2), (1, 2), (1, 0)),
]


@pytest.mark.parametrize('geom,kernel,stride,pad', GEOMS)
@pytest.mark.parametrize('mode', ['MAX', 'AVE'])
def test_forward_matches_numpy(geom, kernel, stride, pad, mode):
    x = distinct((2, 3, 7, 8))
    tops = ('out', 'mask') if mode == 'MAX' else ('out',)
    got = layer_forward(pool_text(mode, geom), {'x': x}, tops=tops, dtype=np.float64)
    ref, mask = pool_reference(x, kernel, stride, pad, mode)
    assert got['out'].shape == ref.shape
    np.testing.assert_allclose(got['out'], ref, rtol=1e-12, atol=1e-12)
    if mode == 'MAX':
        np.testing.assert_array_equal(got['mask'], mask)


@pytest.mark.parametrize('geom,kernel,stride,pad', GEOMS)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_max_ties_go_to_the_first_pixel_in_row_major_order(geom, kernel, stride, pad, dtype):
    # Few distinct values, so most windows hold ties; an odd width puts full 2x2 windows
    # and a clipped last one in the same row. numpy's argmax picks the first maximum.
    x = np.random.RandomState(4).randint(0, 3, (2, 2, 7, 9)).astype(np.float64)
    got = layer_forward(pool_text('MAX', geom), {'x': x}, tops=('out', 'mask'), dtype=dtype)
    ref, mask = pool_reference(x, kernel, stride, pad, 'MAX')
    np.testing.assert_array_equal(got['out'], ref)
    np.testing.assert_array_equal(got['mask'], mask)


def ran_as_expected(cpu_engine, expected):
    """A layer expected on oneDNN runs on one of its JIT kernels, or on the portable pass
    when oneDNN offered only a non-JIT implementation (slower than the portable pass; the
    engine string names it). A layer expected on the portable pass says just 'CAFFE'."""
    if expected == 'CAFFE':
        return cpu_engine == 'CAFFE'
    return engine_kind(cpu_engine) == 'declined' or cpu_engine.startswith('DNNL:jit')


def expected_engine(engine, mode, size, kernel, stride, pad):
    """oneDNN serves float pooling without a mask top, except average pooling whose last
    window reaches past the padding (Caffe's divisor counts padding, not that overhang)."""
    if engine == 'CAFFE':
        return 'CAFFE'
    if mode == 'AVE' and any(p > 0 for p in pad):
        for n, k, s, p in zip(size, kernel, stride, pad):
            if (out_size(n, k, p, s) - 1) * s + k - n - p > p:
                return 'CAFFE'
    return 'DNNL'


@pytest.mark.parametrize('geom,kernel,stride,pad', GEOMS + [
    ('kernel_size: 3 stride: 1 pad: 1', (3, 3), (1, 1), (1, 1)),  # GoogLeNet's inception pool
    ('kernel_size: 5 stride: 3', (5, 5), (3, 3), (0, 0)),          # its auxiliary heads
])
@pytest.mark.parametrize('mode', ['MAX', 'AVE'])
def test_float_forward_and_backward_on_each_engine(geom, kernel, stride, pad, mode, engine):
    x = distinct((2, 3, 7, 8), seed=5).astype(np.float32)
    net = check_float_matches_double(pool_text(mode, geom), {'x': x}, rtol=1e-5, atol=1e-6)
    assert ran_as_expected(net.layer_dict['layer'].cpu_engine,
                           expected_engine(engine, mode, x.shape[2:], kernel, stride, pad)), \
        net.layer_dict['layer'].cpu_engine
    ref, _ = pool_reference(x.astype(np.float64), kernel, stride, pad, mode)
    np.testing.assert_allclose(net.blobs['out'].data, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('round_mode,size', [('CEIL', (7, 9)), ('FLOOR', (7, 9)),
                                             ('CEIL', (6, 8))])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_max_2x2_backward_sends_each_diff_to_its_window_maximum(round_mode, size, dtype,
                                                                engine):
    """2x2 windows of stride 2 (most nets' pooling): each top diff lands on
    its window's maximum and every other bottom diff is 0, on odd sizes too (with CEIL
    the last row and column of windows are one pixel wide, with FLOOR no window covers
    them)."""
    x = distinct((2, 3) + size, seed=7)
    extra = 'kernel_size: 2 stride: 2' + (' round_mode: FLOOR' if round_mode == 'FLOOR' else '')
    net = layer_net(pool_text('MAX', extra), {'x': x}, dtype=dtype)
    net.forward()
    ref, mask = pool_reference(x, (2, 2), (2, 2), (0, 0), 'MAX', ceil=round_mode == 'CEIL')
    np.testing.assert_allclose(net.blobs['out'].data, ref, rtol=1e-6)
    dy = np.random.RandomState(8).normal(size=ref.shape)
    net.blobs['out'].diff[...] = dy
    net.blobs['x'].diff[...] = np.nan            # every bottom diff is written, none kept
    net.backward()
    expected = np.zeros(x.shape)
    flat = expected.reshape(x.shape[0], x.shape[1], -1)
    for n, c, i, j in np.ndindex(*ref.shape):
        flat[n, c, int(mask[n, c, i, j])] += dy[n, c, i, j]
    np.testing.assert_allclose(net.blobs['x'].diff, expected, rtol=1e-6, atol=0)


def test_mask_top_keeps_the_portable_pass(engine):
    net = layer_net(pool_text('MAX'), {'x': distinct((1, 1, 4, 4))}, tops=('out', 'mask'),
                    dtype=np.float32)
    assert net.layer_dict['layer'].cpu_engine == 'CAFFE'


@pytest.mark.parametrize('geom', [g[0] for g in GEOMS])
@pytest.mark.parametrize('mode', ['MAX', 'AVE'])
def test_gradient(geom, mode):
    x = distinct((1, 2, 5, 6), seed=1)
    check_gradient(pool_text(mode, geom), {'x': x}, eps=1e-4)


def test_max_gradient_with_mask_top():
    x = distinct((2, 1, 4, 5), seed=2)
    net = layer_net(pool_text('MAX', 'kernel_size: 3 stride: 1 pad: 1'), {'x': x},
                    tops=('out', 'mask'))
    net.forward()
    dy = np.random.RandomState(3).randn(*net.blobs['out'].data.shape)
    net.blobs['out'].diff[...] = dy
    net.backward()
    ref = np.zeros(x.size)
    flat_mask = net.blobs['mask'].data.astype(int)
    for n in range(2):
        np.add.at(ref.reshape(2, -1)[n], flat_mask[n, 0].ravel(), dy[n, 0].ravel())
    np.testing.assert_allclose(net.blobs['x'].diff.ravel(), ref, rtol=1e-12)


@pytest.mark.parametrize('mode', ['MAX', 'AVE'])
def test_global_pooling(mode):
    x = distinct((2, 3, 4, 5), seed=4)
    got = layer_forward(pool_text(mode, 'global_pooling: true'), {'x': x}, dtype=np.float64)['out']
    ref = x.max(axis=(2, 3)) if mode == 'MAX' else x.mean(axis=(2, 3))
    np.testing.assert_allclose(got, ref[:, :, None, None], rtol=1e-12)
    check_gradient(pool_text(mode, 'global_pooling: true'), {'x': x[:1, :2]})


@pytest.mark.parametrize('size,extra,expected', [
    (28, 'kernel_size: 2 stride: 2', 14),
    (13, 'kernel_size: 3 stride: 2', 6),          # (13-3)/2 is exact
    (14, 'kernel_size: 3 stride: 2', 7),          # ceil(11/2)+1 (floor would give 6)
    (6, 'kernel_size: 2 stride: 2 pad: 1', 4),    # window 3 starts at row 5 < 6: kept
    (5, 'kernel_size: 2 stride: 2 pad: 1', 3),    # ceil gives 4; window 3 would start at row 5, in the padding
    (4, 'kernel_size: 3 stride: 3 pad: 2', 2),    # ceil gives 3; window 2 would start at row 4, in the padding
])
def test_output_shapes(size, extra, expected):
    net = layer_net(pool_text('MAX', extra), {'x': np.zeros((1, 1, size, size + 1))})
    kv = dict(zip(extra.split()[::2], map(int, extra.split()[1::2])))
    k, s, pad = kv['kernel_size:'], kv['stride:'], kv.get('pad:', 0)
    assert out_size(size, k, pad, s) == expected
    assert net.blobs['out'].data.shape == (1, 1, expected, out_size(size + 1, k, pad, s))


def test_floor_round_mode():
    net = layer_net(pool_text('AVE', 'kernel_size: 3 stride: 2 round_mode: FLOOR'),
                    {'x': np.zeros((1, 1, 14, 14))})
    assert net.blobs['out'].data.shape == (1, 1, 6, 6)


def test_kernel_larger_than_padded_input_raises():
    with pytest.raises(Exception, match=r"layer 'layer' \(Pooling\).*larger than the padded"):
        layer_net(pool_text('MAX', 'kernel_size: 5 pad: 1'), {'x': np.zeros((1, 1, 2, 2))})


def test_bad_parameters_raise():
    x = {'x': np.zeros((1, 1, 6, 6))}
    with pytest.raises(Exception, match=r"\(Pooling\).*at most 1 top"):
        layer_net(pool_text('STOCHASTIC'), x, tops=('a', 'b'))
    with pytest.raises(Exception, match=r"\(Pooling\).*pad \(2x2\) must be smaller than the kernel"):
        layer_net(pool_text('MAX', 'kernel_size: 2 pad: 2'), x)
    with pytest.raises(Exception, match=r"\(Pooling\).*global_pooling"):
        layer_net(pool_text('MAX', 'global_pooling: true kernel_size: 2'), x)
    with pytest.raises(Exception, match=r"\(Pooling\).*kernel_size or kernel_h"):
        layer_net(pool_text('MAX', 'kernel_size: 2 kernel_h: 2 kernel_w: 2'), x)
    with pytest.raises(Exception, match=r"\(Pooling\).*at most 1 top"):
        layer_net(pool_text('AVE'), x, tops=('a', 'b'))
    with pytest.raises(Exception, match=r"\(Pooling\).*4-axis"):
        layer_net(pool_text('MAX'), {'x': np.zeros((2, 6, 6))})


def stochastic_windows(x, kernel, stride, pad):
    """The windows of stochastic pooling: the output size of the padded geometry, the
    windows themselves without padding (as BVLC), clipped to the image. Yields
    (i, j, rows, cols)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    any_pad = ph > 0 or pw > 0
    oh, ow = out_size(h, kh, ph, sh, True, any_pad), out_size(w, kw, pw, sw, True, any_pad)
    for i in range(oh):
        for j in range(ow):
            yield i, j, oh, ow, slice(i * sh, min(i * sh + kh, h)), slice(j * sw, min(j * sw + kw, w))


STOCHASTIC_GEOMS = [GEOMS[0], GEOMS[1], GEOMS[2]]


@pytest.mark.parametrize('geom,kernel,stride,pad', STOCHASTIC_GEOMS)
def test_stochastic_test_phase_forward_and_gradient(geom, kernel, stride, pad):
    x = np.random.RandomState(3).uniform(0.1, 1, (2, 2, 6, 7))
    out = layer_forward(pool_text('STOCHASTIC', geom), {'x': x}, dtype=np.float64)['out']
    for i, j, oh, ow, rows, cols in stochastic_windows(x, kernel, stride, pad):
        win = x[:, :, rows, cols].reshape(2, 2, -1)
        if win.size == 0:  # a window starting past the image (padded geometry): 0
            np.testing.assert_array_equal(out[:, :, i, j], 0)
            continue
        np.testing.assert_allclose(out[:, :, i, j], (win ** 2).sum(-1) / win.sum(-1), rtol=1e-12)
    assert out.shape[2:] == (oh, ow)
    check_gradient(pool_text('STOCHASTIC', geom), {'x': x[:1, :1, :5, :5]}, phase=caffe.TEST)


@pytest.mark.parametrize('geom,kernel,stride,pad', STOCHASTIC_GEOMS)
def test_stochastic_train_picks_a_window_pixel_and_backward_follows_it(geom, kernel, stride, pad):
    x = np.random.RandomState(4).uniform(0.1, 1, (2, 3, 6, 7))
    net = layer_net(pool_text('STOCHASTIC', geom), {'x': x})
    net.forward()
    out = net.blobs['out'].data
    dy = np.random.RandomState(5).randn(*out.shape)
    net.blobs['out'].diff[...] = dy
    net.backward()
    want = np.zeros_like(x)
    for i, j, _, _, rows, cols in stochastic_windows(x, kernel, stride, pad):
        win = x[:, :, rows, cols]
        if win.size == 0:
            np.testing.assert_array_equal(out[:, :, i, j], 0)
            continue
        for a in range(2):
            for b in range(3):
                hits = np.argwhere(win[a, b] == out[a, b, i, j])
                assert len(hits) == 1  # the output is one of the window's pixels
                r, c = hits[0]
                want[a, b, rows.start + r, cols.start + c] += dy[a, b, i, j]
    np.testing.assert_array_equal(net.blobs['x'].diff, want)


def test_stochastic_train_draws_in_proportion_to_the_values():
    values = np.array([1.0, 2, 3, 4])
    x = np.tile(values.reshape(1, 1, 2, 2), (1, 20000, 1, 1))
    caffe.set_random_seed(7)
    out = layer_forward(pool_text('STOCHASTIC', 'kernel_size: 2'), {'x': x}, dtype=np.float64,
                        phase=caffe.TRAIN)['out'].ravel()
    freq = np.array([np.mean(out == v) for v in values])
    np.testing.assert_allclose(freq, values / values.sum(), atol=0.015)


def test_stochastic_train_gradient_with_fixed_draws():
    """Central differences with the same random draws in every forward pass (reseeded):
    the choice is then fixed and the gradient exact."""
    x = np.random.RandomState(8).uniform(0.1, 1, (1, 2, 4, 5))
    net = layer_net(pool_text('STOCHASTIC', 'kernel_size: 2 stride: 2'), {'x': x})
    w = np.random.RandomState(9).randn(*net.blobs['out'].data.shape)

    def objective():
        caffe.set_random_seed(11)
        net.forward()
        return float(np.sum(net.blobs['out'].data * w))

    objective()
    net.blobs['out'].diff[...] = w
    net.backward()
    analytic = net.blobs['x'].diff.copy()
    numeric = np.zeros_like(x)
    data = net.blobs['x'].data
    for i in range(x.size):
        orig = data.flat[i]
        data.flat[i] = orig + 1e-6
        plus = objective()
        data.flat[i] = orig - 1e-6
        minus = objective()
        data.flat[i] = orig
        numeric.flat[i] = (plus - minus) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)
    assert np.count_nonzero(analytic) == w.size


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('geom', [g[0] for g in STOCHASTIC_GEOMS])
def test_gpu_matches_cpu_stochastic_test_phase(geom):
    """STOCHASTIC in TEST is deterministic; in TRAIN the GPU draws from cuRAND, so only its
    consistency is checked (each output is a pixel of its window, the gradient follows)."""
    x = np.random.RandomState(12).uniform(0.1, 1, (2, 3, 9, 8))
    results = []
    for set_mode in (caffe.set_mode_cpu, caffe.set_mode_gpu):
        set_mode()
        net = layer_net(pool_text('STOCHASTIC', geom), {'x': x}, phase=caffe.TEST)
        net.forward()
        net.blobs['out'].diff[...] = np.random.RandomState(6).randn(*net.blobs['out'].data.shape)
        net.backward()
        results.append([net.blobs['out'].data.copy(), net.blobs['x'].diff.copy()])
    for c, g in zip(*results):
        np.testing.assert_allclose(g, c, rtol=1e-12, atol=1e-12)
    caffe.set_mode_gpu()
    try:
        net = layer_net(pool_text('STOCHASTIC', geom), {'x': x}, phase=caffe.TRAIN)
        net.forward()
        net.blobs['out'].diff[...] = 1
        net.backward()
        out, dx = net.blobs['out'].data, net.blobs['x'].diff
    finally:
        caffe.set_mode_cpu()
    assert np.isclose(dx.sum(), out.size)
    assert all(np.any(np.isclose(x[a, b], out[a, b, i, j])) for a in range(2) for b in range(3)
               for i in range(out.shape[2]) for j in range(out.shape[3]))


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('mode', ['MAX', 'AVE'])
@pytest.mark.parametrize('geom', [g[0] for g in GEOMS])
def test_gpu_matches_cpu(mode, geom):
    x = distinct((2, 3, 9, 8), seed=5)
    tops = ('out', 'mask') if mode == 'MAX' else ('out',)
    net = layer_net(pool_text(mode, geom), {'x': x}, tops=tops)
    results = []
    for set_mode in (caffe.set_mode_cpu, caffe.set_mode_gpu):
        set_mode()
        net.forward()
        top = net.blobs['out']
        top.diff[...] = np.random.RandomState(6).randn(*top.data.shape)
        net.backward()
        results.append([net.blobs[t].data.copy() for t in tops] + [net.blobs['x'].diff.copy()])
    for c, g in zip(*results):
        np.testing.assert_allclose(g, c, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('layer', ['type: "Pooling" pooling_param { pool: MAX kernel_size: 2 stride: 2 pad: 1 }',
                                   'type: "SPP" spp_param { pyramid_height: 2 }'])
def test_an_empty_image_is_a_clear_error(layer):
    # Found by fuzzing (fuzz/net_prototxt): a bottom of width 0 made the backward pass divide
    # by the width (SIGFPE).
    net_text = f'''force_backward: true
layer {{ name: "in" type: "Input" top: "x" input_param {{ shape {{ dim: 2 dim: 3 dim: 4 dim: 0 }} }} }}
layer {{ name: "pool" {layer} bottom: "x" top: "out" }}
'''
    with pytest.raises(caffe.ShapeError, match="layer 'pool'.*empty image"):
        caffe.Net.from_string(net_text, caffe.TRAIN)
