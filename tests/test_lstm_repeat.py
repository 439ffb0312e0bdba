"""The spatial-transformer fork's recurrent layers: Lstm (lstm_param) and Repeat
(repeat_param). Forward against numpy (recurrent_reference.py), gradients against finite
differences, sequences with continuation resets, the state carried between passes, and a
Repeat -> Reshape -> Lstm -> InnerProduct -> SpatialTransformer net trained with RMSProp."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_forward, layer_net
from recurrent_reference import lstm
from st_reference import transform

RNG = np.random.RandomState(201)

FILLERS = 'weight_filler { type: "gaussian" std: 0.6 } bias_filler { type: "gaussian" std: 0.4 }'


def lstm_text(H, N, extra=''):
    return f'type: "Lstm" lstm_param {{ num_output: {H} batch_size: {N} {FILLERS} {extra} }}'


def reference(net, x, clip, T, N, h0=None, c0=None):
    Wx, Wh, b = (p.data for p in net.params['layer'])
    H = Wh.shape[1]
    xs = x.reshape(T, N, -1)
    cont = None if clip is None else (clip.reshape(T, N) != 0).astype(float)
    zeros = np.zeros((N, H))
    h, c = lstm(xs, cont, Wx, Wh, b, zeros if h0 is None else h0, zeros if c0 is None else c0)
    return h.reshape(T * N, H), c


def test_lstm_parameters_in_the_fork_order():
    net = layer_net(lstm_text(3, 2), {'x': RNG.randn(8, 5)})
    assert [p.data.shape for p in net.params['layer']] == [(12, 5), (12, 3), (12,)]
    assert net.blobs['out'].data.shape == (8, 3)


@pytest.mark.parametrize('T,N,I,H', [(3, 2, 4, 3), (1, 3, 2, 2), (5, 1, 3, 4)])
def test_lstm_forward_without_indicators(T, N, I, H):
    x = RNG.randn(T * N, I)
    net = layer_net(lstm_text(H, N), {'x': x})
    net.forward()
    np.testing.assert_allclose(net.blobs['out'].data, reference(net, x, None, T, N)[0],
                               rtol=1e-12, atol=1e-12)


def test_lstm_input_may_have_more_axes():
    x = RNG.randn(6, 2, 2)
    net = layer_net(lstm_text(3, 3), {'x': x})
    net.forward()
    np.testing.assert_allclose(net.blobs['out'].data, reference(net, x.reshape(6, 4), None, 2, 3)[0],
                               rtol=1e-12, atol=1e-12)


def test_lstm_sequences_with_resets():
    T, N = 5, 2
    x = RNG.randn(T * N, 3)
    clip = np.array([0, 0, 1, 1, 1, 0, 0, 1, 1, 1], dtype=float)  # stream 1 restarts at t = 2
    net = layer_net(lstm_text(4, N), {'x': x, 'clip': clip})
    net.forward()
    out = net.blobs['out'].data
    np.testing.assert_allclose(out, reference(net, x, clip, T, N)[0], rtol=1e-12, atol=1e-12)
    # A reset really cuts the past: stream 1 from t = 2 on equals a fresh run of those steps.
    Wx, Wh, b = (p.data for p in net.params['layer'])
    fresh, _ = lstm(x.reshape(T, N, 3)[2:, 1:], None, Wx, Wh, b, np.zeros((1, 4)), np.zeros((1, 4)))
    np.testing.assert_allclose(out.reshape(T, N, 4)[2:, 1], fresh[:, 0], rtol=1e-12, atol=1e-12)


def test_lstm_carries_its_state_between_passes_with_indicators():
    T, N, H = 3, 2, 3
    x1, x2 = RNG.randn(T * N, 2), RNG.randn(T * N, 2)
    first = np.array([0, 0, 1, 1, 1, 1], dtype=float)
    going_on = np.ones(T * N)
    net = layer_net(lstm_text(H, N), {'x': x1, 'clip': first})
    net.forward()
    h1, c1 = reference(net, x1, first, T, N)
    net.blobs['x'].data[...] = x2
    net.blobs['clip'].data[...] = going_on
    net.forward()
    h2, _ = reference(net, x2, going_on, T, N, h0=h1[-N:], c0=c1[-1])
    np.testing.assert_allclose(net.blobs['out'].data, h2, rtol=1e-12, atol=1e-12)
    # Without indicators every pass starts from zero.
    plain = layer_net(lstm_text(H, N), {'x': x1})
    for p, q in zip(plain.params['layer'], net.params['layer']):
        p.data[...] = q.data
    for _ in range(2):
        plain.forward()
        np.testing.assert_allclose(plain.blobs['out'].data, h1, rtol=1e-12, atol=1e-12)


def test_lstm_gradient():
    check_gradient(lstm_text(3, 2), {'x': RNG.randn(6, 3)})


def test_lstm_gradient_with_resets():
    clip = np.array([0, 0, 1, 0, 1, 1, 0, 1], dtype=float)
    check_gradient(lstm_text(2, 2), {'x': RNG.randn(8, 2), 'clip': clip}, check_bottoms=['x'])


def test_lstm_clipping_threshold_bounds_the_gate_gradients():
    x = RNG.randn(8, 3)
    text = lstm_text(2, 2, 'clipping_threshold: 0.001')
    net = layer_net(text, {'x': x})
    net.forward()
    net.blobs['out'].diff[...] = 100 * RNG.randn(8, 2)
    net.backward()
    # The bias gradient sums the clamped gate gradients of the 8 rows.
    assert np.all(np.abs(net.params['layer'][2].diff) <= 8 * 0.001 + 1e-9)  # the threshold is a float32
    assert np.abs(net.params['layer'][2].diff).max() > 0.004
    # A threshold that never bites leaves the exact gradient.
    check_gradient(lstm_text(2, 2, 'clipping_threshold: 1000'), {'x': x})


def test_lstm_errors():
    with pytest.raises(caffe.ShapeError, match=r"Lstm.*multiple of lstm_param.batch_size \(N = 2\)"):
        layer_net(lstm_text(2, 2), {'x': RNG.randn(5, 3)})
    with pytest.raises(caffe.ShapeError, match=r"Lstm.*continuation input must hold T\*N = 4"):
        layer_net(lstm_text(2, 2), {'x': RNG.randn(4, 3), 'clip': np.ones(3)})
    with pytest.raises(caffe.ParseError, match=r"Lstm.*num_output must be positive"):
        layer_net('type: "Lstm"', {'x': RNG.randn(4, 3)})


@pytest.mark.parametrize('shape,axis,repeats', [((2, 3, 4), 1, 3), ((2, 3, 4), 2, 2),
                                               ((5, 2), 1, 1), ((2, 3, 2), -1, 4)])
def test_repeat_forward_gradient_and_identity_parameter(shape, axis, repeats):
    x = RNG.randn(*shape)
    text = f'type: "Repeat" repeat_param {{ num_repeats: {repeats} axis: {axis} }}'
    net = layer_net(text, {'x': x})
    net.forward()
    a = axis % len(shape)
    M, K = int(np.prod(shape[:a])), int(np.prod(shape[a:]))
    out = net.blobs['out'].data
    assert out.shape == (M, repeats) + shape[a:]
    rows = x.reshape(M, 1, K)
    np.testing.assert_array_equal(out.reshape(M, repeats, K), np.repeat(rows, repeats, axis=1))
    # The fork's formulation: the product with its stacked-identity parameter.
    W = net.params['layer'][0].data
    np.testing.assert_array_equal(W, np.tile(np.eye(K), (repeats, 1)))
    np.testing.assert_array_equal(out.reshape(M, repeats * K), x.reshape(M, K) @ W.T)
    check_gradient(text, {'x': x}, check_params=False)


def test_repeat_default_axis_and_errors():
    out = layer_forward('type: "Repeat" repeat_param { num_repeats: 2 }', {'x': RNG.randn(3, 2)})
    assert out['out'].shape == (3, 2, 2)
    with pytest.raises(caffe.ParseError, match=r"Repeat.*num_repeats must be positive"):
        layer_forward('type: "Repeat"', {'x': RNG.randn(3, 2)})


ST_NET = '''name: "recurrent_st" force_backward: true
layer { name: "in" type: "Input" top: "feat" top: "data" top: "target"
  input_param { shape { dim: 2 dim: 4 } shape { dim: 6 dim: 1 dim: 8 dim: 8 }
                shape { dim: 6 dim: 1 dim: 8 dim: 8 } } }
layer { name: "rep" type: "Repeat" bottom: "feat" top: "rep" repeat_param { num_repeats: 3 } }
layer { name: "seq" type: "Reshape" bottom: "rep" top: "seq"
  reshape_param { shape { dim: 6 dim: 4 } } }
layer { name: "lstm" type: "Lstm" bottom: "seq" top: "hidden"
  lstm_param { num_output: 8 batch_size: 2 clipping_threshold: 5
               weight_filler { type: "uniform" min: -0.3 max: 0.3 } bias_filler { type: "constant" } } }
layer { name: "loc" type: "InnerProduct" bottom: "hidden" top: "theta"
  inner_product_param { num_output: 6 weight_filler { type: "constant" value: 0 }
                        bias_filler { type: "constant" value: 0 } } }
layer { name: "st" type: "SpatialTransformer" bottom: "data" bottom: "theta" top: "warped" }
layer { name: "loss" type: "EuclideanLoss" bottom: "warped" bottom: "target" top: "loss" }
'''


def test_repeat_lstm_spatial_transformer_net_trains_with_rmsprop(tmp_path):
    (tmp_path / 'net.prototxt').write_text(ST_NET)
    (tmp_path / 'solver.prototxt').write_text(
        f'net: "{tmp_path}/net.prototxt"\ntype: "RMSProp"\nbase_lr: 0.003\nrms_decay: 0.9\n'
        'lr_policy: "fixed"\nmax_iter: 1000\nweight_decay: 0.001\nsolver_mode: CPU\nrandom_seed: 3\n'
        'display: 0\nsnapshot_after_train: false\n')
    solver = caffe.get_solver(str(tmp_path / 'solver.prototxt'))
    net = solver.net
    net.params['loc'][1].data[...] = [1, 0, 0, 0, 1, 0]  # start from the identity
    rng = np.random.RandomState(0)
    yy, xx = np.mgrid[0:8, 0:8]
    data = np.array([np.exp(-((yy - rng.uniform(2, 6)) ** 2 + (xx - rng.uniform(2, 6)) ** 2) / 4)
                     for _ in range(6)])[:, None]
    shift = np.array([[1, 0, 0.25, 0, 1, -0.25]] * 6)  # the target: a shifted copy
    target = transform(data, shift)
    net.blobs['feat'].data[...] = rng.randn(2, 4)
    net.blobs['data'].data[...] = data
    net.blobs['target'].data[...] = target
    repeat_w = net.params['rep'][0].data.copy()
    net.forward()
    first = float(net.blobs['loss'].data)
    solver.step(150)
    net.forward()
    last = float(net.blobs['loss'].data)
    assert last < 0.1 * first, (first, last)
    # The Repeat parameter is not learned (lr_mult and decay_mult 0).
    np.testing.assert_array_equal(net.params['rep'][0].data, repeat_w)
    np.testing.assert_allclose(net.blobs['theta'].data.mean(axis=0)[[2, 5]], [0.25, -0.25], atol=0.05)


def test_fork_layers_may_share_a_name(tmp_path):
    text = '''name: "dup"
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 4 dim: 3 } } }
layer { name: "same" type: "Lstm" bottom: "x" top: "h" lstm_param { num_output: 2 batch_size: 2
        weight_filler { type: "gaussian" } } }
layer { name: "same" type: "Lstm" bottom: "x" top: "g" lstm_param { num_output: 3 batch_size: 2
        weight_filler { type: "gaussian" } } }
'''
    net = caffe.Net.from_string(text, caffe.TEST, dtype=np.float64)
    net.forward()
    assert net.blobs['h'].data.shape == (4, 2) and net.blobs['g'].data.shape == (4, 3)
    assert [l.type for l in net.layers if l.type != 'Split'] == ['Input', 'Lstm', 'Lstm']
    # Weights go back to the layers by name and order of appearance.
    net.save(str(tmp_path / 'dup.caffemodel'))
    (tmp_path / 'dup.prototxt').write_text(text)
    again = caffe.Net(str(tmp_path / 'dup.prototxt'), str(tmp_path / 'dup.caffemodel'), caffe.TEST,
                      dtype=np.float64)
    for a, b in zip(net.layers, again.layers):
        for p, q in zip(a.blobs, b.blobs):
            np.testing.assert_array_equal(p.data, q.data)
