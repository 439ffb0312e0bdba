"""ArgMax, Reduction and MVN: forward vs numpy, gradients vs finite differences (Reduction,
MVN), parameter errors."""
import numpy as np
import pytest

from caffe_test_utils import check_gradient, layer_forward

RNG = np.random.RandomState(17)


def top_k_desc(a, k, axis):
    order = np.argsort(-a, axis=axis, kind='stable')
    return np.take(order, np.arange(k), axis=axis)


@pytest.mark.parametrize('k', [1, 3])
def test_argmax_without_axis(k):
    x = RNG.randn(4, 3, 2, 2)
    flat = x.reshape(4, -1)
    idx = top_k_desc(flat, k, 1)
    out = layer_forward(f'type: "ArgMax" argmax_param {{ top_k: {k} }}', {'x': x},
                        dtype=np.float64)['out']
    assert out.shape == (4, 1, k, 1)
    np.testing.assert_array_equal(out.reshape(4, k), idx)
    out = layer_forward(f'type: "ArgMax" argmax_param {{ top_k: {k} out_max_val: true }}',
                        {'x': x}, dtype=np.float64)['out']
    assert out.shape == (4, 2, k, 1)
    np.testing.assert_array_equal(out[:, 0, :, 0], idx)
    np.testing.assert_array_equal(out[:, 1, :, 0], np.take_along_axis(flat, idx, 1))


@pytest.mark.parametrize('axis,k', [(1, 2), (2, 1), (-1, 3)])
def test_argmax_along_axis(axis, k):
    x = RNG.randn(2, 4, 3, 5)
    idx = top_k_desc(x, k, axis)
    out = layer_forward(f'type: "ArgMax" argmax_param {{ axis: {axis} top_k: {k} }}', {'x': x},
                        dtype=np.float64)['out']
    np.testing.assert_array_equal(out, idx)
    out = layer_forward(f'type: "ArgMax" argmax_param {{ axis: {axis} top_k: {k} out_max_val: true }}',
                        {'x': x}, dtype=np.float64)['out']
    np.testing.assert_array_equal(out, np.take_along_axis(x, idx, axis))


def test_argmax_top_k_too_large():
    with pytest.raises(Exception, match=r"ArgMax.*top_k must be in \[1, 6\]"):
        layer_forward('type: "ArgMax" argmax_param { top_k: 7 }', {'x': RNG.randn(2, 6)})


REDUCTIONS = {
    'SUM': lambda x, ax: x.sum(axis=ax),
    'ASUM': lambda x, ax: np.abs(x).sum(axis=ax),
    'SUMSQ': lambda x, ax: (x * x).sum(axis=ax),
    'MEAN': lambda x, ax: x.mean(axis=ax),
}


@pytest.mark.parametrize('op', sorted(REDUCTIONS))
@pytest.mark.parametrize('axis', [0, 1, -1])
def test_reduction(op, axis):
    x = RNG.uniform(0.1, 1, (2, 3, 4)) * RNG.choice([-1, 1], (2, 3, 4))
    text = f'type: "Reduction" reduction_param {{ operation: {op} axis: {axis} coeff: -1.5 }}'
    out = layer_forward(text, {'x': x}, dtype=np.float64)['out']
    a = axis % 3
    ref = -1.5 * REDUCTIONS[op](x.reshape(x.shape[:a] + (-1,)), -1)
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    check_gradient(text, {'x': x})


def test_reduction_bad_axis():
    with pytest.raises(Exception, match=r"Reduction.*axis must be in"):
        layer_forward('type: "Reduction" reduction_param { axis: 3 }', {'x': RNG.randn(2, 3)})


def mvn_reference(x, normalize_variance, across_channels, eps):
    axes = tuple(range(1 if across_channels else 2, x.ndim))
    y = x - x.mean(axis=axes, keepdims=True)
    if normalize_variance:
        y = y / (np.sqrt((y ** 2).mean(axis=axes, keepdims=True)) + eps)
    return y


@pytest.mark.parametrize('variance', [True, False])
@pytest.mark.parametrize('across', [True, False])
def test_mvn(variance, across):
    x = RNG.randn(2, 3, 2, 3) * 2 + 1
    text = (f'type: "MVN" mvn_param {{ normalize_variance: {str(variance).lower()} '
            f'across_channels: {str(across).lower()} }}')
    out = layer_forward(text, {'x': x}, dtype=np.float64)['out']
    np.testing.assert_allclose(out, mvn_reference(x, variance, across, 1e-9), rtol=1e-6, atol=1e-9)
    check_gradient(text, {'x': x}, rtol=1e-4, atol=1e-6)


def test_mvn_needs_channels():
    with pytest.raises(Exception, match=r"MVN.*needs 2 axes"):
        layer_forward('type: "MVN"', {'x': RNG.randn(5)})
