"""Deterministic mode (caffe.set_deterministic, `caffe -deterministic`): the
SpatialTransformer's gradient to U is summed exactly in 128-bit fixed point
(kernels/fixed_point.hpp) and rounded once, on the CPU and the GPU, so the result does not
depend on the order of the additions; dL/dtheta is summed in double partial sums combined
in a fixed order in either mode.

The CPU tests run the fixed-point arithmetic the GPU runs: against an exact reference
(math.fsum of the contributions, on a layout whose sampling weights are exact in float32),
against the default path, and for non-finite gradients. The GPU tests (skipped without a
device) check that runs repeat bit for bit, that the GPU's exact sums equal the CPU's, and
that float32 dL/dtheta on the GPU is at least as precise as on the CPU."""
import math

import numpy as np
import pytest

import caffe
import st_reference as ref
from caffe_test_utils import layer_net

# Zoom in 4x on a corner of an 8x8 image: 64x64 output pixels land on 16 input pixels, so
# each of those gets about a thousand contributions. Every coordinate and weight is a
# short dyadic fraction, exact in float32, and so is every product weight * dV in double.
H = W = 8
HO = WO = 64
THETA = np.array([[0.25, 0, 0.0625, 0, 0.25, -0.125]])
ST = (f'type: "SpatialTransformer" st_param {{ output_H: {HO} output_W: {WO} }}')


@pytest.fixture
def deterministic():
    caffe.set_deterministic(True)
    yield
    caffe.set_deterministic(False)


def wide_dv(shape, seed):
    """float32 gradients of both signs over six orders of magnitude: adding them in float32
    loses many bits to cancellation."""
    rng = np.random.RandomState(seed)
    return (rng.choice([-1.0, 1.0], shape) * 10.0 ** rng.uniform(-3, 3, shape)).astype(np.float32)


def backward(dtype, dv, U, theta=THETA, layer=ST):
    net = layer_net(layer, {'U': U, 'theta': theta}, dtype=dtype)
    net.forward()
    net.blobs['out'].diff[...] = dv
    net.backward()
    return net.blobs['U'].diff.copy(), net.blobs['theta'].diff.copy()


def exact_dU(dv, theta, shape):
    """dL/dU as the exact sum of its contributions, correctly rounded to double
    (math.fsum), from the sampling definition (st_reference's pixel coordinates)."""
    N, C, _, _ = shape
    X, Y = ref.pixel_coords(theta, H, W, HO, WO)
    out = np.zeros(shape)
    terms = {}
    for n in range(N):
        for s in range(HO):
            for t in range(WO):
                x, y = X[n, s, t], Y[n, s, t]
                i, j = math.floor(x), math.floor(y)
                for m, wm in ((i, 1 - (x - i)), (i + 1, x - i)):
                    for k, wk in ((j, 1 - (y - j)), (j + 1, y - j)):
                        if 0 <= m < H and 0 <= k < W and wm * wk != 0:
                            for c in range(C):
                                terms.setdefault((n, c, m, k), []).append(
                                    wm * wk * float(dv[n, c, s, t]))
    for key, values in terms.items():
        out[key] = math.fsum(values)
    return out


def test_mode_switch_and_default():
    assert caffe.deterministic() is False
    caffe.set_deterministic(True)
    try:
        assert caffe.deterministic() is True
    finally:
        caffe.set_deterministic(False)
    assert caffe.deterministic() is False


def test_fixed_point_sums_are_exact_then_rounded_once(deterministic):
    U = np.random.RandomState(1).rand(1, 2, H, W)
    dv = wide_dv((1, 2, HO, WO), seed=2)
    reference = exact_dU(dv, THETA, U.shape).astype(np.float32)
    assert np.count_nonzero(reference) == 2 * 16  # the zoomed corner's pixels
    got, _ = backward(np.float32, dv, U)
    # Exact sum, one rounding to double, one to float: at most one unit in the last place.
    np.testing.assert_array_max_ulp(got, reference, maxulp=1)
    # Adding in float32 (the default CPU path) is much further off: the test can tell.
    caffe.set_deterministic(False)
    plain, _ = backward(np.float32, dv, U)
    touched = reference != 0
    ulps = np.abs(plain[touched].astype(np.float64) - reference[touched]) / \
        np.spacing(np.abs(reference[touched]))
    assert ulps.max() > 8


@pytest.mark.parametrize('transform', ['affine', 'similarity', 'border'])
def test_float64_agrees_with_the_default_path(transform, deterministic):
    rng = np.random.RandomState(3)
    U = rng.rand(3, 2, 9, 7)
    if transform == 'similarity':
        layer = 'type: "SpatialTransformer" st_param { transform_type: "similarity" output_H: 11 }'
        theta = np.c_[rng.uniform(0.6, 1.4, (3, 1)), rng.uniform(-0.5, 0.5, (3, 3))]
    else:
        extra = 'padding_mode: "border" align_corners: true' if transform == 'border' else ''
        layer = f'type: "SpatialTransformer" st_param {{ output_W: 5 {extra} }}'
        theta = np.array([1, 0, 0, 0, 1, 0]) + rng.uniform(-0.4, 0.4, (3, 6))
    net = layer_net(layer, {'U': U, 'theta': theta})
    net.forward()
    dv = rng.randn(*net.blobs['out'].data.shape)
    exact = backward(np.float64, dv, U, theta, layer)
    caffe.set_deterministic(False)
    plain = backward(np.float64, dv, U, theta, layer)
    np.testing.assert_allclose(exact[0], plain[0], rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(exact[1], plain[1])  # dtheta takes the same path


def test_non_finite_gradient_makes_its_plane_nan(deterministic):
    U = np.random.RandomState(4).rand(1, 2, H, W)
    dv = wide_dv((1, 2, HO, WO), seed=5)
    dv[0, 0, 10, 10] = np.inf
    got, _ = backward(np.float32, dv, U)
    assert np.all(np.isnan(got[0, 0]))
    np.testing.assert_array_max_ulp(got[0, 1], exact_dU(dv, THETA, U.shape)[0, 1].astype(
        np.float32), maxulp=1)


def test_caffe_command_flag(tmp_path):
    (tmp_path / 'net.prototxt').write_text("""name: "st"
layer { name: "in" type: "Input" top: "U" top: "theta"
  input_param { shape { dim: 2 dim: 1 dim: 4 dim: 4 } shape { dim: 2 dim: 6 } } }
layer { name: "st" type: "SpatialTransformer" bottom: "U" bottom: "theta" top: "V" }
""")
    from test_caffe_cli import run
    result = run(['time', '-model=net.prototxt', '-iterations=1', '-deterministic'], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'Deterministic mode: GPU scatter-adds sum exactly' in result.stderr
    plain = run(['time', '-model=net.prototxt', '-iterations=1'], tmp_path)
    assert 'Deterministic mode' not in plain.stderr


# ---- on the GPU -----------------------------------------------------------------------

def gpu_backward(dtype, dv, U, theta=THETA, layer=ST):
    caffe.set_mode_gpu()
    try:
        return backward(dtype, dv, U, theta, layer)
    finally:
        caffe.set_mode_cpu()


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
def test_gpu_exact_sums_repeat_and_equal_the_cpu(deterministic):
    U = np.random.RandomState(6).rand(2, 3, H, W)
    dv = wide_dv((2, 3, HO, WO), seed=7)
    theta = np.repeat(THETA, 2, axis=0)
    cpu = backward(np.float32, dv, U, theta)
    runs = [gpu_backward(np.float32, dv, U, theta) for _ in range(3)]
    for dU, dtheta in runs:
        np.testing.assert_array_equal(dU, runs[0][0])
        np.testing.assert_array_equal(dtheta, runs[0][1])
    # Same exact products (exact weights), same exact sums, same single rounding.
    np.testing.assert_array_equal(runs[0][0], cpu[0])
    np.testing.assert_array_max_ulp(runs[0][0], exact_dU(dv, theta, U.shape).astype(np.float32),
                                    maxulp=1)


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
def test_gpu_theta_gradient_repeats_in_the_default_mode():
    rng = np.random.RandomState(8)
    U = rng.rand(4, 3, 30, 30).astype(np.float32)
    theta = np.array([1, 0, 0, 0, 1, 0]) + rng.uniform(-0.3, 0.3, (4, 6))
    layer = 'type: "SpatialTransformer" st_param { output_H: 300 output_W: 300 }'
    dv = rng.randn(4, 3, 300, 300).astype(np.float32)
    runs = [gpu_backward(np.float32, dv, U, theta, layer)[1] for _ in range(3)]
    for r in runs[1:]:
        np.testing.assert_array_equal(r, runs[0])


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
def test_gpu_float32_theta_gradient_is_as_precise_as_the_cpu():
    # One sample, a million output pixels: the sum of their theta terms is where float32
    # accumulation loses precision.
    rng = np.random.RandomState(9)
    U = rng.rand(1, 2, 40, 40)
    theta = np.array([[0.9, 0.2, 0.05, -0.15, 1.1, -0.1]])
    layer = 'type: "SpatialTransformer" st_param { output_H: 1024 output_W: 1024 }'
    dv = rng.randn(1, 2, 1024, 1024)
    reference = backward(np.float64, dv, U, theta, layer)[1]
    cpu = backward(np.float32, dv, U, theta, layer)[1]
    gpu = gpu_backward(np.float32, dv, U, theta, layer)[1]
    scale = np.abs(reference).max()
    assert np.all(np.abs(gpu - reference) <= np.abs(cpu - reference) + 1e-6 * scale), \
        (gpu, cpu, reference)
