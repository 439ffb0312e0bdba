"""The SpatialTransformer's CUDA kernels against its CPU passes, on shapes that reach every
path of the launch code in spatial_transformer_layer.cu: several channels per thread
(more than 2^18 output values in a pass), a backward whose threads loop over a sample's
pixels (more than 2^20 output values in one sample), more than 65,535 samples (the batch is
split over several launches), every transform type, to_compute_dU false, propagate_down
false for U, in float64 and float32, in the default and the deterministic mode.

The comparisons need a GPU and skip without one; test_cases_reach_every_path runs
everywhere and checks that the table still holds the shapes the paths need."""
import numpy as np
import pytest

import caffe

KERNEL_PASS = 1 << 18   # output values of a pass above which a thread takes several channels
SAMPLE = 1 << 20        # output values of one sample above which backward threads loop
GRID_Y = 65535          # samples of one backward launch


def net_text(N, C, H, W, k, st_param, propagate_down_U=True):
    """Input -> SpatialTransformer; with propagate_down_U false, theta comes from a Parameter
    layer and V counts as a loss (so the layer still runs backward, for theta only) and U's
    gradient is not asked for (force_backward would override propagate_down)."""
    if propagate_down_U:
        return f'''name: "st" force_backward: true
layer {{ name: "in" type: "Input" top: "U" top: "theta"
  input_param {{ shape {{ dim: {N} dim: {C} dim: {H} dim: {W} }} shape {{ dim: {N} dim: {k} }} }} }}
layer {{ name: "st" type: "SpatialTransformer" bottom: "U" bottom: "theta" top: "V"
  st_param {{ {st_param} }} }}
'''
    return f'''name: "st"
layer {{ name: "in" type: "Input" top: "U"
  input_param {{ shape {{ dim: {N} dim: {C} dim: {H} dim: {W} }} }} }}
layer {{ name: "th" type: "Parameter" top: "theta" parameter_param {{ shape {{ dim: {N} dim: {k} }} }} }}
layer {{ name: "st" type: "SpatialTransformer" bottom: "U" bottom: "theta" top: "V"
  propagate_down: false propagate_down: true loss_weight: 1 st_param {{ {st_param} }} }}
'''


def theta_for(kind, rng, N):
    if kind == 'rotation':
        return rng.uniform(-0.2, 0.2, (N, 1))
    if kind == 'translation':
        return rng.uniform(-0.3, 0.3, (N, 2))
    if kind == 'similarity':
        return np.c_[rng.uniform(0.7, 1.3, (N, 1)), rng.uniform(-0.3, 0.3, (N, 3))]
    return np.array([1, 0, 0, 0, 1, 0]) + rng.uniform(-0.3, 0.3, (N, 6))


K = {'affine': 6, 'rotation': 1, 'translation': 2, 'similarity': 4}

# (name, N, C, H, W, H_out, W_out, transform, extra st_param, propagate_down for U)
CASES = [
    ('many-samples', 70000, 2, 3, 3, 2, 2, 'affine', '', True),
    ('big-sample', 1, 1, 48, 40, 1100, 1000, 'affine', '', True),
    ('channels-per-thread', 4, 16, 40, 36, 128, 130, 'similarity', '', True),
    ('rotation', 3, 3, 17, 19, 23, 21, 'rotation', '', True),
    ('translation', 3, 3, 17, 19, 15, 13, 'translation', 'padding_mode: "border"', True),
    ('align-corners', 3, 2, 9, 11, 12, 10, 'affine', 'align_corners: true', True),
    ('no-dU', 5, 3, 20, 22, 600, 500, 'affine', 'to_compute_dU: false', True),
    ('U-not-propagated', 5, 3, 20, 22, 30, 25, 'similarity', '', False),
]


def test_cases_reach_every_path():
    out = {name: N * C * Ho * Wo for name, N, C, H, W, Ho, Wo, *_ in CASES}
    per_sample = {name: C * Ho * Wo for name, N, C, H, W, Ho, Wo, *_ in CASES}
    samples = {name: N for name, N, *_ in CASES}
    assert samples['many-samples'] > GRID_Y
    assert per_sample['big-sample'] > SAMPLE
    assert out['channels-per-thread'] > KERNEL_PASS
    assert {c[7] for c in CASES} == set(K)
    assert any('to_compute_dU: false' in c[8] for c in CASES)
    assert any(not c[9] for c in CASES)


def run(case, dtype, gpu):
    name, N, C, H, W, Ho, Wo, kind, extra, pd_U = case
    rng = np.random.RandomState(sum(map(ord, name)))
    st_param = f'transform_type: "{kind}" output_H: {Ho} output_W: {Wo} {extra}'
    net = caffe.Net.from_string(net_text(N, C, H, W, K[kind], st_param, pd_U), caffe.TRAIN,
                                dtype=dtype)
    net.blobs['U'].data[...] = rng.rand(N, C, H, W)
    theta = net.params['th'][0] if 'th' in net.params else net.blobs['theta']
    theta.data[...] = theta_for(kind, rng, N)
    net.blobs['U'].diff[...] = 5.0  # stale values: must be overwritten or left alone
    if gpu:
        caffe.set_mode_gpu()
    try:
        net.forward()
        net.blobs['V'].diff[...] = rng.uniform(-1, 1, net.blobs['V'].data.shape)
        net.backward()
    finally:
        caffe.set_mode_cpu()
    return [net.blobs['V'].data.copy(), net.blobs['U'].diff.copy(), theta.diff.copy()]


TOLERANCE = {np.float64: dict(rtol=1e-9, atol=1e-10), np.float32: dict(rtol=1e-3, atol=1e-4)}


@pytest.mark.skipif(not caffe.has_gpu(), reason="no GPU")
@pytest.mark.parametrize('deterministic', [False, True], ids=['atomics', 'deterministic'])
@pytest.mark.parametrize('dtype', [np.float64, np.float32], ids=['float64', 'float32'])
@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_gpu_matches_cpu(case, dtype, deterministic):
    caffe.set_deterministic(deterministic)
    try:
        cpu = run(case, dtype, False)
        gpu = run(case, dtype, True)
    finally:
        caffe.set_deterministic(False)
    for what, a, b in zip(('V', 'dU', 'dtheta'), cpu, gpu):
        scale = max(1.0, float(np.abs(a).max()))
        tol = TOLERANCE[dtype]
        np.testing.assert_allclose(b, a, rtol=tol['rtol'], atol=tol['atol'] * scale,
                                   err_msg=f'{case[0]}: {what}')
    if 'to_compute_dU: false' in case[8]:
        assert np.all(gpu[1] == 0)          # asked for, not computed: zero-filled
    if not case[9]:
        assert np.all(gpu[1] == 5.0)        # not asked for: left alone
        assert np.any(gpu[2] != 0)          # while theta's gradient was computed
