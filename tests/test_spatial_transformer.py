"""SpatialTransformer: forward against the independent numpy formula (st_reference.py),
backward against finite differences, the seed's prototxt, and bad inputs."""
import os

import numpy as np
import pytest

import caffe
import st_reference as ref
from caffe_test_utils import check_gradient, layer_forward, layer_net

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IDENTITY = np.array([1, 0, 0, 0, 1, 0], np.float64)
NAMES = ['theta_1_1', 'theta_1_2', 'theta_1_3', 'theta_2_1', 'theta_2_2', 'theta_2_3']


def st_layer(**fields):
    """The layer text for caffe_test_utils: st_param built from keyword fields."""
    parts = []
    for key, value in fields.items():
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        elif isinstance(value, str):
            value = f'"{value}"'
        parts.append(f'{key}: {value}')
    return 'type: "SpatialTransformer" st_param { ' + ' '.join(parts) + ' }'


def fixed_fields(fixed):
    """{'theta_1_2': 0.1, ...} from {index: value}."""
    return {NAMES[i]: v for i, v in fixed.items()}


def full_theta(free, fixed):
    """N x 6 theta from the free columns (order 11 12 13 21 22 23) and fixed entries."""
    free = np.asarray(free, np.float64)
    theta = np.zeros((free.shape[0], 6))
    cols = [i for i in range(6) if i not in fixed]
    theta[:, cols] = free
    for i, v in fixed.items():
        theta[:, i] = v
    return theta


def random_theta(rng, n, scale=0.3):
    return IDENTITY + rng.uniform(-scale, scale, (n, 6))


def away_from_pixels(make_theta, draw, H, W, Ho, Wo, margin=0.03, align_corners=False,
                     tries=5000):
    """Draws parameters until no sample coordinate lies within `margin` pixels of an
    integer, so finite differences never straddle a kink of the bilinear kernel."""
    rng = np.random.RandomState(5)
    for _ in range(tries):
        p = draw(rng)
        X, Y = ref.pixel_coords(make_theta(p), H, W, Ho, Wo, align_corners)
        dist = np.minimum(np.abs(X - np.round(X)).min(), np.abs(Y - np.round(Y)).min())
        if dist > margin:
            return p
    raise AssertionError('no parameters away from pixel boundaries found')


def test_identity_reproduces_input_exactly():
    U = np.random.RandomState(0).rand(2, 3, 7, 10).astype(np.float32)
    out = layer_forward(st_layer(), {'U': U, 'theta': np.tile(IDENTITY, (2, 1))})['out']
    np.testing.assert_array_equal(out, U)


@pytest.mark.parametrize('H,W', [(6, 6), (5, 9)])
def test_whole_pixel_shifts(H, W):
    U = np.random.RandomState(1).rand(1, 2, H, W).astype(np.float32)
    down = layer_forward(st_layer(), {'U': U, 'theta': [[1, 0, 2.0 / H, 0, 1, 0]]})['out']
    np.testing.assert_array_equal(down[:, :, :-1], U[:, :, 1:])  # row s reads row s + 1
    np.testing.assert_array_equal(down[:, :, -1], 0)
    right = layer_forward(st_layer(), {'U': U, 'theta': [[1, 0, 0, 0, 1, -2.0 / W]]})['out']
    np.testing.assert_array_equal(right[:, :, :, 1:], U[:, :, :, :-1])
    np.testing.assert_array_equal(right[:, :, :, 0], 0)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_random_partial_theta_other_size(dtype):
    rng = np.random.RandomState(2)
    U = rng.rand(3, 2, 9, 11)
    fixed = {1: 0.1, 5: -0.05}
    free = np.delete(random_theta(rng, 3, 0.5), list(fixed), axis=1)
    out = layer_forward(st_layer(output_H=7, output_W=13, **fixed_fields(fixed)),
                        {'U': U, 'theta': free}, dtype=dtype)['out']
    assert out.shape == (3, 2, 7, 13)
    expected = ref.transform(U, full_theta(free, fixed), 7, 13)
    np.testing.assert_allclose(out, expected, atol=1e-5 if dtype == np.float32 else 1e-12)


def test_zoom_out_and_in():
    rng = np.random.RandomState(3)
    U = rng.rand(2, 1, 8, 8)
    theta = np.array([[2.0, 0.1, 0.05, -0.1, 1.7, 0.2], [0.4, 0, -0.3, 0, 0.45, 0.3]])
    out = layer_forward(st_layer(output_H=12, output_W=5), {'U': U, 'theta': theta})['out']
    np.testing.assert_allclose(out, ref.transform(U, theta, 12, 5), atol=1e-5)


TRANSFORMS = {
    'rotation': (1, ref.rotation_theta, lambda r, n: r.uniform(-1, 1, (n, 1))),
    'translation': (2, ref.translation_theta, lambda r, n: r.uniform(-0.6, 0.6, (n, 2))),
    'similarity': (4, ref.similarity_theta,
                   lambda r, n: np.c_[r.uniform(0.5, 1.5, (n, 1)), r.uniform(-1, 1, (n, 3))]),
}


@pytest.mark.parametrize('kind', sorted(TRANSFORMS))
def test_transform_types_forward(kind):
    k, make_theta, draw = TRANSFORMS[kind]
    rng = np.random.RandomState(4)
    U = rng.rand(4, 2, 7, 9)
    p = draw(rng, 4)
    out = layer_forward(st_layer(transform_type=kind, output_W=6), {'U': U, 'theta': p})['out']
    np.testing.assert_allclose(out, ref.transform(U, make_theta(p), 7, 6), atol=1e-5)


@pytest.mark.parametrize('align_corners,padding', [(True, 'zeros'), (False, 'border'),
                                                   (True, 'border')])
def test_opt_in_conventions_forward(align_corners, padding):
    rng = np.random.RandomState(6)
    U = rng.rand(2, 3, 6, 8)
    theta = random_theta(rng, 2, 0.6)
    out = layer_forward(st_layer(align_corners=align_corners, padding_mode=padding, output_H=5),
                        {'U': U, 'theta': theta})['out']
    expected = ref.transform(U, theta, 5, 8, align_corners=align_corners, padding=padding)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_gradient_affine_partial_theta_other_size():
    fixed = {1: 0.05, 3: -0.1}
    H, W, Ho, Wo = 5, 6, 4, 7
    free = away_from_pixels(lambda p: full_theta(p, fixed),
                            lambda r: np.delete(random_theta(r, 2, 0.4), list(fixed), axis=1),
                            H, W, Ho, Wo)
    U = np.random.RandomState(7).rand(2, 2, H, W)
    check_gradient(st_layer(output_H=Ho, output_W=Wo, **fixed_fields(fixed)),
                   {'U': U, 'theta': free})


def test_gradient_full_theta():
    H, W = 6, 5
    theta = away_from_pixels(lambda p: p, lambda r: random_theta(r, 2, 0.4), H, W, H, W)
    U = np.random.RandomState(8).rand(2, 3, H, W)
    check_gradient(st_layer(), {'U': U, 'theta': theta})


@pytest.mark.parametrize('kind', sorted(TRANSFORMS))
def test_gradient_transform_types(kind):
    k, make_theta, draw = TRANSFORMS[kind]
    H, W, Ho, Wo = 6, 7, 5, 6
    p = away_from_pixels(make_theta, lambda r: draw(r, 2), H, W, Ho, Wo)
    U = np.random.RandomState(9).rand(2, 2, H, W)
    check_gradient(st_layer(transform_type=kind, output_H=Ho, output_W=Wo), {'U': U, 'theta': p})


@pytest.mark.parametrize('align_corners,padding', [(True, 'zeros'), (True, 'border'),
                                                   (False, 'border')])
def test_gradient_opt_in_conventions(align_corners, padding):
    H, W, Ho, Wo = 5, 6, 6, 4
    theta = away_from_pixels(lambda p: p, lambda r: random_theta(r, 2, 0.7), H, W, Ho, Wo,
                             align_corners=align_corners)
    U = np.random.RandomState(10).rand(2, 2, H, W)
    check_gradient(st_layer(align_corners=align_corners, padding_mode=padding, output_H=Ho,
                            output_W=Wo), {'U': U, 'theta': theta})


def backward_once(text, bottoms, top_diff_seed=11):
    net = layer_net(text, bottoms)
    net.forward()
    net.blobs['out'].diff[...] = np.random.RandomState(top_diff_seed).randn(
        *net.blobs['out'].data.shape)
    for name in bottoms:
        net.blobs[name].diff[...] = 7.0
    net.backward()
    return net


def test_to_compute_dU_false():
    U = np.random.RandomState(12).rand(2, 2, 5, 5)
    theta = away_from_pixels(lambda p: p, lambda r: random_theta(r, 2), 5, 5, 5, 5)
    with_dU = backward_once(st_layer(), {'U': U, 'theta': theta})
    without = backward_once(st_layer(to_compute_dU=False), {'U': U, 'theta': theta})
    assert np.all(without.blobs['U'].diff == 0)
    assert np.any(with_dU.blobs['U'].diff != 0)
    np.testing.assert_allclose(without.blobs['theta'].diff, with_dU.blobs['theta'].diff,
                               rtol=1e-12)


def test_backward_partitions_agree():
    """Bigger single-sample case: with dU the work splits by channels, without it by row
    bands; both must give the same theta gradient, and dU must match the small-case
    formula checked above (linear in U: compare with a finite difference along U)."""
    rng = np.random.RandomState(17)
    U = rng.rand(1, 4, 40, 44)
    theta = random_theta(rng, 1, 0.3)
    a = backward_once(st_layer(output_H=50), {'U': U, 'theta': theta})
    b = backward_once(st_layer(output_H=50, to_compute_dU=False), {'U': U, 'theta': theta})
    np.testing.assert_allclose(a.blobs['theta'].diff, b.blobs['theta'].diff, rtol=1e-12)
    direction = rng.randn(*U.shape)
    top_diff = a.blobs['out'].diff
    slope = np.sum((ref.transform(U + direction, theta, 50) - ref.transform(U, theta, 50))
                   * top_diff)
    np.testing.assert_allclose(np.sum(a.blobs['U'].diff * direction), slope, rtol=1e-10)


def test_all_entries_fixed_needs_no_theta_bottom():
    U = np.random.RandomState(18).rand(2, 1, 6, 5)
    fixed = dict(theta_1_1=0.8, theta_1_2=0.1, theta_1_3=0.05, theta_2_1=-0.1, theta_2_2=1.1,
                 theta_2_3=0.2)
    out = layer_forward(st_layer(**fixed), {'U': U})['out']
    expected = ref.transform(U, np.tile([0.8, 0.1, 0.05, -0.1, 1.1, 0.2], (2, 1)))
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_seed_st_train_prototxt():
    path = os.path.join(ROOT, 'models', 'st_cat', 'st_train.prototxt')
    net = caffe.Net(path, caffe.TEST)
    assert net.blobs['data'].data.shape == (1, 3, 227, 227)
    assert net.blobs['theta'].data.shape == (1, 2)
    assert net.blobs['transformed'].data.shape == (1, 3, 227, 227)
    U = np.random.RandomState(13).rand(1, 3, 227, 227).astype(np.float32)
    net.blobs['data'].data[...] = U
    for t in (-0.5, 0.1, 0.3):
        net.blobs['theta'].data[...] = (t, t)
        out = net.forward()['transformed']
        rows = slice(3, 227, 16)
        expected = ref.transform(U, [[0.5, 0, t, 0, 0.5, t]], rows=rows)
        # float32 coordinates on a 227-pixel axis carry ~1e-5 pixel of rounding
        np.testing.assert_allclose(out[:, :, rows], expected, atol=5e-5)
    net.backward()  # theta gradient only (to_compute_dU: false); must run


def expect_error(text, bottoms, match, exc=caffe.CaffeError):
    with pytest.raises(exc, match=match):
        net = layer_net(text, bottoms)
        net.forward()


def test_bad_inputs():
    U = np.zeros((2, 1, 4, 4))
    expect_error(st_layer(), {'U': U, 'theta': np.zeros((2, 5))}, r"layer.*6 numbers per sample")
    expect_error(st_layer(theta_1_1=1.0), {'U': U, 'theta': np.zeros((2, 6))},
                 r"5 numbers per sample")
    expect_error(st_layer(), {'U': U, 'theta': np.zeros((3, 6))}, r"batch size 2")
    expect_error(st_layer(output_H=0), {'U': U, 'theta': np.zeros((2, 6))},
                 r"output_H must be positive, got 0")
    expect_error(st_layer(transform_type='projective'), {'U': U, 'theta': np.zeros((2, 6))},
                 r"unknown st_param.transform_type 'projective'")
    expect_error(st_layer(transform_type='rotation', theta_1_3=0.0),
                 {'U': U, 'theta': np.zeros((2, 1))}, r"fixed theta_i_j")
    expect_error(st_layer(padding_mode='reflect'), {'U': U, 'theta': np.zeros((2, 6))},
                 r"padding_mode 'reflect'")
    expect_error(st_layer(sampler_type='nearest'), {'U': U, 'theta': np.zeros((2, 6))},
                 r"sampler_type 'nearest'")
    expect_error(st_layer(), {'U': np.zeros((2, 4, 4)), 'theta': np.zeros((2, 6))},
                 r"N x C x H x W")


def test_nan_and_huge_theta_give_defined_output():
    U = np.random.RandomState(14).rand(3, 2, 5, 6)
    theta = np.array([[np.nan, 0, 0, 0, 1, 0], [1e30, 0, 1e30, 0, 1, -1e30], [1, 0, 0, 0, 1, 0]])
    net = backward_once(st_layer(), {'U': U, 'theta': theta})
    out = net.blobs['out'].data
    assert np.all(out[:2] == 0)
    np.testing.assert_array_equal(out[2], U[2])
    assert np.all(np.isfinite(net.blobs['U'].diff))
    np.testing.assert_array_equal(net.blobs['theta'].diff[:2], 0)
    inf = layer_forward(st_layer(), {'U': U, 'theta': np.full((3, 6), np.inf)})['out']
    assert np.all(inf == 0)


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('fields,k', [({}, 6), ({'theta_1_2': 0.1, 'output_H': 9}, 5),
                                      ({'transform_type': 'similarity', 'output_W': 17}, 4),
                                      ({'align_corners': True, 'padding_mode': 'border'}, 6)])
def test_gpu_matches_cpu(fields, k):
    rng = np.random.RandomState(15)
    U = rng.rand(3, 5, 8, 12)
    theta = (random_theta(rng, 3, 0.4) if k == 6 else
             np.c_[rng.uniform(0.6, 1.4, (3, 1)), rng.uniform(-0.5, 0.5, (3, 3))] if k == 4
             else np.delete(random_theta(rng, 3, 0.4), 1, axis=1))
    results = []
    for mode in (caffe.set_mode_cpu, caffe.set_mode_gpu):
        mode()
        net = backward_once(st_layer(**fields), {'U': U, 'theta': theta})
        results.append([getattr(net.blobs[b], a).copy()
                        for b, a in (('out', 'data'), ('U', 'diff'), ('theta', 'diff'))])
    caffe.set_mode_cpu()
    for cpu, gpu in zip(*results):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-10, atol=1e-10)


def to_torch_theta(theta, H, W, H_out, W_out, align_corners):
    """The mapping documented in spatial_transformer_layer.hpp: shift the translations
    (default convention only), then swap rows and the first two columns."""
    th = np.array(theta, np.float64).reshape(-1, 2, 3)
    if not align_corners:
        th[:, 0, 2] += -th[:, 0, 0] / H_out - th[:, 0, 1] / W_out + 1.0 / H
        th[:, 1, 2] += -th[:, 1, 0] / H_out - th[:, 1, 1] / W_out + 1.0 / W
    return th[:, ::-1][:, :, [1, 0, 2]].copy()


@pytest.mark.parametrize('align_corners,padding', [(False, 'zeros'), (True, 'zeros'),
                                                   (True, 'border')])
def test_matches_torch_grid_sample(align_corners, padding):
    torch = pytest.importorskip('torch')
    F = torch.nn.functional
    rng = np.random.RandomState(16)
    N, C, H, W, Ho, Wo = 3, 2, 7, 9, 6, 11
    U = rng.rand(N, C, H, W)
    theta = random_theta(rng, N, 0.5)
    net = backward_once(st_layer(align_corners=align_corners, padding_mode=padding,
                                 output_H=Ho, output_W=Wo), {'U': U, 'theta': theta})
    Ut = torch.tensor(U, requires_grad=True)
    tht = torch.tensor(to_torch_theta(theta, H, W, Ho, Wo, align_corners), requires_grad=True)
    grid = F.affine_grid(tht, [N, C, Ho, Wo], align_corners=align_corners)
    out = F.grid_sample(Ut, grid, mode='bilinear', padding_mode=padding,
                        align_corners=align_corners)
    out.backward(torch.tensor(net.blobs['out'].diff))
    np.testing.assert_allclose(net.blobs['out'].data, out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(net.blobs['U'].diff, Ut.grad.numpy(), atol=1e-10)
    g = tht.grad.numpy()[:, ::-1][:, :, [1, 0, 2]].copy()  # back to (row, col) order
    if not align_corners:  # chain rule through the translation shift
        g[:, :, 0] -= g[:, :, 2] / Ho
        g[:, :, 1] -= g[:, :, 2] / Wo
    np.testing.assert_allclose(net.blobs['theta'].diff, g.reshape(N, 6), rtol=1e-9, atol=1e-9)
