"""Independent numpy implementation of the spatial transformer formula in
docs/compatibility.md ("Coordinates of the SpatialTransformer"), used as the reference by
the tests.

It evaluates the definition literally, summing U[m, n] * max(0, 1 - |X - m|) *
max(0, 1 - |Y - n|) over every pixel (m, n) of the image, so it shares no code or
shortcut with the layer.
"""
import numpy as np


def target_grid(H_out, W_out, align_corners=False):
    """(x_t, y_t) for every output pixel: x_t along rows, y_t along columns."""
    s = np.arange(H_out, dtype=np.float64)
    t = np.arange(W_out, dtype=np.float64)
    if align_corners:
        xt = -1 + 2 * s / (H_out - 1) if H_out > 1 else np.zeros(1)
        yt = -1 + 2 * t / (W_out - 1) if W_out > 1 else np.zeros(1)
    else:
        xt = 2 * s / H_out - 1
        yt = 2 * t / W_out - 1
    return np.meshgrid(xt, yt, indexing='ij')


def source_grid(theta, H_out, W_out, align_corners=False):
    """(x_s, y_s), each N x H_out x W_out, for theta N x 6 (row-major 2x3)."""
    xt, yt = target_grid(H_out, W_out, align_corners)
    th = np.asarray(theta, np.float64).reshape(-1, 2, 3)
    xs = th[:, 0, 0, None, None] * xt + th[:, 0, 1, None, None] * yt + th[:, 0, 2, None, None]
    ys = th[:, 1, 0, None, None] * xt + th[:, 1, 1, None, None] * yt + th[:, 1, 2, None, None]
    return xs, ys


def pixel_coords(theta, H, W, H_out, W_out, align_corners=False):
    """Source positions in pixel units: row X and column Y."""
    xs, ys = source_grid(theta, H_out, W_out, align_corners)
    if align_corners:
        return (xs + 1) * (H - 1) / 2, (ys + 1) * (W - 1) / 2
    return (xs + 1) * H / 2, (ys + 1) * W / 2


def transform(U, theta, H_out=None, W_out=None, align_corners=False, padding='zeros',
              rows=slice(None)):
    """V = the layer's output for U (N x C x H x W) and full theta (N x 6), float64;
    `rows` picks output rows (big images are slow to evaluate literally)."""
    U = np.asarray(U, np.float64)
    N, C, H, W = U.shape
    H_out = H if H_out is None else H_out
    W_out = W if W_out is None else W_out
    X, Y = pixel_coords(theta, H, W, H_out, W_out, align_corners)
    X, Y = X[:, rows], Y[:, rows]
    if padding == 'border':
        X = np.clip(X, 0, H - 1)
        Y = np.clip(Y, 0, W - 1)
    # Triangle weights against every pixel index: (N, H_out, W_out, H) and (..., W).
    wx = np.maximum(0.0, 1 - np.abs(X[..., None] - np.arange(H)))
    wy = np.maximum(0.0, 1 - np.abs(Y[..., None] - np.arange(W)))
    return np.einsum('nhwm,nhwk,ncmk->nchw', wx, wy, U)


def rotation_theta(beta):
    a = np.pi * np.asarray(beta, np.float64).reshape(-1)
    c, s = np.cos(a), np.sin(a)
    z = np.zeros_like(a)
    return np.stack([c, -s, z, s, c, z], axis=1)


def translation_theta(t):
    t = np.asarray(t, np.float64).reshape(-1, 2)
    one, z = np.ones(len(t)), np.zeros(len(t))
    return np.stack([one, z, t[:, 0], z, one, t[:, 1]], axis=1)


def similarity_theta(p):
    p = np.asarray(p, np.float64).reshape(-1, 4)
    a = np.pi * p[:, 1]
    c, s = p[:, 0] * np.cos(a), p[:, 0] * np.sin(a)
    return np.stack([c, -s, p[:, 2], s, c, p[:, 3]], axis=1)
