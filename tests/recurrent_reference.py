"""Independent numpy implementations of the recurrent layers' forward passes, written from
their definitions (the layers' headers and BVLC's documentation), used as references by
test_lstm_repeat.py and test_recurrent.py."""
import numpy as np


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def lstm(x, cont, Wx, Wh, b, h0, c0, x_static=None, Ws=None):
    """x: T x N x I; cont: T x N factors (None: 0 at t = 0, then 1); Wx 4H x I, Wh 4H x H,
    b 4H, gates i, f, o, g. Returns (h: T x N x H, c: T x N x H)."""
    T, N = x.shape[:2]
    H = Wh.shape[1]
    h, c = h0.copy(), c0.copy()
    hs, cs = [], []
    for t in range(T):
        k = (np.zeros(N) if t == 0 else np.ones(N)) if cont is None else cont[t]
        a = x[t] @ Wx.T + b + (k[:, None] * h) @ Wh.T
        if x_static is not None:
            a = a + x_static @ Ws.T
        i, f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H]), \
            np.tanh(a[:, 3 * H:])
        c = k[:, None] * f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
    return np.array(hs), np.array(cs)


def rnn(x, cont, Wxh, bh, Whh, Who, bo, h0, x_static=None, Ws=None):
    """BVLC's RNN: h_t = tanh(Wxh x_t + bh + Whh (k_t h_{t-1}) [+ Ws x_static]),
    o_t = tanh(Who h_t + bo). Returns (o: T x N x H, h_T: N x H)."""
    h = h0.copy()
    outs = []
    for t in range(x.shape[0]):
        a = x[t] @ Wxh.T + bh + (cont[t][:, None] * h) @ Whh.T
        if x_static is not None:
            a = a + x_static @ Ws.T
        h = np.tanh(a)
        outs.append(np.tanh(h @ Who.T + bo))
    return np.array(outs), h
