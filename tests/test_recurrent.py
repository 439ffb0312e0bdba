"""BVLC's recurrent layers: RNN, LSTM (recurrent_param, with the continuation indicators,
a static input and expose_hidden) and LSTMUnit. Forward against numpy
(recurrent_reference.py), gradients against finite differences, sequences with
continuation resets, the state carried between passes."""
import numpy as np
import pytest

import caffe
from caffe_test_utils import check_gradient, layer_net
from recurrent_reference import lstm, rnn, sigmoid

RNG = np.random.RandomState(146)
FILLERS = 'weight_filler { type: "gaussian" std: 0.5 } bias_filler { type: "gaussian" std: 0.3 }'


def rec(kind, H, expose=False):
    e = ' expose_hidden: true' if expose else ''
    return f'type: "{kind}" recurrent_param {{ num_output: {H} {FILLERS}{e} }}'


def resets(T, N):
    """Indicators with a reset in the middle of stream 0 and none at t = 0 for the rest."""
    cont = np.ones((T, N))
    cont[0] = 0
    cont[T // 2, 0] = 0
    return cont


def test_lstm_parameter_blobs_in_bvlc_order():
    net = layer_net(rec('LSTM', 3), {'x': RNG.randn(2, 2, 5), 'c': np.ones((2, 2))})
    assert [p.data.shape for p in net.params['layer']] == [(12, 5), (12,), (12, 3)]
    static = layer_net(rec('LSTM', 3), {'x': RNG.randn(2, 2, 5), 'c': np.ones((2, 2)),
                                        's': RNG.randn(2, 4)})
    assert [p.data.shape for p in static.params['layer']] == [(12, 5), (12,), (12, 4), (12, 3)]
    rnn_net = layer_net(rec('RNN', 3), {'x': RNG.randn(2, 2, 5), 'c': np.ones((2, 2))})
    assert [p.data.shape for p in rnn_net.params['layer']] == [(3, 5), (3,), (3, 3), (3, 3), (3,)]


@pytest.mark.parametrize('static', [False, True])
def test_lstm_forward_with_resets(static):
    T, N, H = 4, 3, 3
    x, cont = RNG.randn(T, N, 2, 2), resets(T, N)
    bottoms = {'x': x, 'c': cont}
    if static:
        bottoms['s'] = RNG.randn(N, 3)
    net = layer_net(rec('LSTM', H), bottoms)
    net.forward()
    p = [b.data for b in net.params['layer']]
    zeros = np.zeros((N, H))
    h, _ = lstm(x.reshape(T, N, 4), cont, p[0], p[-1], p[1], zeros, zeros,
                bottoms.get('s'), p[2] if static else None)
    np.testing.assert_allclose(net.blobs['out'].data, h, rtol=1e-12, atol=1e-12)


def test_lstm_expose_hidden_forward_and_final_states():
    T, N, H = 3, 2, 2
    x, cont = RNG.randn(T, N, 3), np.ones((T, N))
    h0, c0 = RNG.randn(1, N, H), RNG.randn(1, N, H)
    net = layer_net(rec('LSTM', H, expose=True), {'x': x, 'c': cont, 'h0': h0, 'c0': c0},
                    tops=('h', 'hT', 'cT'))
    net.forward()
    p = [b.data for b in net.params['layer']]
    h, c = lstm(x, cont, p[0], p[2], p[1], h0[0], c0[0])
    np.testing.assert_allclose(net.blobs['h'].data, h, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(net.blobs['hT'].data[0], h[-1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(net.blobs['cT'].data[0], c[-1], rtol=1e-12, atol=1e-12)


def test_lstm_carries_its_state_between_passes():
    T, N, H = 3, 2, 2
    x1, x2 = RNG.randn(T, N, 2), RNG.randn(T, N, 2)
    net = layer_net(rec('LSTM', H), {'x': x1, 'c': resets(T, N)})
    net.forward()
    p = [b.data for b in net.params['layer']]
    zeros = np.zeros((N, H))
    h1, c1 = lstm(x1, resets(T, N), p[0], p[2], p[1], zeros, zeros)
    cont2 = np.ones((T, N))
    cont2[0, 1] = 0  # stream 0 goes on, stream 1 starts again
    net.blobs['x'].data[...] = x2
    net.blobs['c'].data[...] = cont2
    net.forward()
    h2, _ = lstm(x2, cont2, p[0], p[2], p[1], h1[-1], c1[-1])
    np.testing.assert_allclose(net.blobs['out'].data, h2, rtol=1e-12, atol=1e-12)


def test_lstm_gradient_with_resets_and_static_input():
    T, N = 4, 2
    check_gradient(rec('LSTM', 2), {'x': RNG.randn(T, N, 2), 'c': resets(T, N),
                                    's': RNG.randn(N, 2)}, check_bottoms=['x', 's'])


def test_lstm_gradient_expose_hidden():
    T, N, H = 3, 2, 2
    check_gradient(rec('LSTM', H, expose=True),
                   {'x': RNG.randn(T, N, 2), 'c': resets(T, N), 'h0': RNG.randn(1, N, H),
                    'c0': RNG.randn(1, N, H)}, tops=('h', 'hT', 'cT'), check_bottoms=['x', 'h0', 'c0'])


def test_rnn_forward_with_resets_and_static_input():
    T, N, H = 5, 2, 3
    x, cont, s = RNG.randn(T, N, 3), resets(T, N), RNG.randn(N, 2)
    net = layer_net(rec('RNN', H), {'x': x, 'c': cont, 's': s})
    net.forward()
    Wxh, bh, Ws, Whh, Who, bo = (b.data for b in net.params['layer'])
    o, _ = rnn(x, cont, Wxh, bh, Whh, Who, bo, np.zeros((N, H)), s, Ws)
    np.testing.assert_allclose(net.blobs['out'].data, o, rtol=1e-12, atol=1e-12)


def test_rnn_expose_hidden_and_carried_state():
    T, N, H = 3, 2, 2
    x, cont, h0 = RNG.randn(T, N, 2), np.ones((T, N)), RNG.randn(1, N, H)
    net = layer_net(rec('RNN', H, expose=True), {'x': x, 'c': cont, 'h0': h0}, tops=('o', 'hT'))
    net.forward()
    p = [b.data for b in net.params['layer']]
    o, hT = rnn(x, cont, *p, h0[0])
    np.testing.assert_allclose(net.blobs['o'].data, o, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(net.blobs['hT'].data[0], hT, rtol=1e-12, atol=1e-12)
    carried = layer_net(rec('RNN', H), {'x': x, 'c': cont})
    for a, b in zip(carried.params['layer'], net.params['layer']):
        a.data[...] = b.data
    carried.forward()
    _, h1 = rnn(x, cont, *p, np.zeros((N, H)))
    carried.forward()  # starts from the state the first pass ended in
    o2, _ = rnn(x, cont, *p, h1)
    np.testing.assert_allclose(carried.blobs['out'].data, o2, rtol=1e-12, atol=1e-12)


def test_rnn_gradient_with_resets():
    T, N = 4, 2
    check_gradient(rec('RNN', 2), {'x': RNG.randn(T, N, 3), 'c': resets(T, N), 's': RNG.randn(N, 2)},
                   check_bottoms=['x', 's'])
    check_gradient(rec('RNN', 2, expose=True), {'x': RNG.randn(T, N, 2), 'c': resets(T, N),
                                                'h0': RNG.randn(1, N, 2)},
                   tops=('o', 'hT'), check_bottoms=['x', 'h0'])


def test_recurrent_errors():
    with pytest.raises(caffe.ShapeError, match=r"LSTM.*continuation indicators .* shape \(3 2\)"):
        layer_net(rec('LSTM', 2), {'x': RNG.randn(3, 2, 4), 'c': np.ones((2, 3))})
    with pytest.raises(caffe.ParseError, match=r"RNN.*num_output must be positive"):
        layer_net('type: "RNN"', {'x': RNG.randn(3, 2, 4), 'c': np.ones((3, 2))})
    with pytest.raises(caffe.ParseError, match=r"LSTM.*bottom"):
        layer_net(rec('LSTM', 2, expose=True), {'x': RNG.randn(3, 2, 4), 'c': np.ones((3, 2))},
                  tops=('h', 'hT', 'cT'))


def lstm_unit(c_prev, x, cont):
    H = c_prev.shape[-1]
    i, f, o, g = sigmoid(x[..., :H]), sigmoid(x[..., H:2 * H]), sigmoid(x[..., 2 * H:3 * H]), \
        np.tanh(x[..., 3 * H:])
    c = cont[..., None] * f * c_prev + i * g
    return c, o * np.tanh(c)


def test_lstm_unit_forward_and_gradient():
    N, H = 3, 2
    bottoms = {'c_prev': RNG.randn(1, N, H), 'x': RNG.randn(1, N, 4 * H),
               'cont': np.array([[1.0, 0, 1]])}
    net = layer_net('type: "LSTMUnit"', bottoms, tops=('c', 'h'))
    net.forward()
    c, h = lstm_unit(*bottoms.values())
    np.testing.assert_allclose(net.blobs['c'].data, c, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(net.blobs['h'].data, h, rtol=1e-12, atol=1e-12)
    check_gradient('type: "LSTMUnit"', bottoms, tops=('c', 'h'), check_bottoms=['c_prev', 'x'])


def test_lstm_unit_shapes():
    with pytest.raises(caffe.ShapeError, match=r"LSTMUnit.*gate inputs .* shape \(1 2 8\)"):
        layer_net('type: "LSTMUnit"', {'c_prev': RNG.randn(1, 2, 2), 'x': RNG.randn(1, 2, 6),
                                       'cont': np.ones((1, 2))}, tops=('c', 'h'))
