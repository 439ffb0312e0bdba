"""The Sides' segmented reduction (kernels/segments.hpp, CpuSide::reduce) against numpy:
both groupings (along the middle axis, across it), sums with scale and accumulation,
maxima and totals, in float and double, for many short segments, few long ones (which
the CPU cuts into pieces), segments of length 1 and empty segments. The GPU's version of
the primitive is compared with this one through the layers in test_gpu_matches_cpu.py."""
import numpy as np
import pytest

from caffe import _caffe

RNG = np.random.RandomState(11)
PIECE = 8192  # kReducePiece in util/parallel.hpp: longer segments are split

# (outer, dim, inner): segment counts and lengths for both groupings.
SHAPES = [
    (1, 1, 1),                # one value
    (5000, 1, 3),             # along: 15000 segments of length 1
    (1, 3 * PIECE + 5, 1),    # along: one segment cut into four pieces
    (2, 7, 3),                # small everything
    (3, 2 * PIECE + 1, 2),    # along: six long segments with a stride
    (40000, 3, 1),            # along: many short rows; across: three segments of 40000
    (7, 3, 5000),             # across: three segments of 35000 in runs of 5000
    (3, 50000, 1),            # across: 50000 segments of length 3; along: three long rows
    (4, 0, 3),                # empty segments
]


def reference(x, outer, dim, inner, grouping, op):
    v = x.astype(np.float64).reshape(outer, dim, inner)
    axis = 1 if grouping == 'along' else (0, 2)
    if op == 'max':
        if v.size == 0:
            return np.full(outer * inner if grouping == 'along' else dim, -np.inf)
        return v.max(axis=axis).ravel()
    return v.sum(axis=axis).ravel()


def tolerance(dtype):
    # The CPU adds in double and rounds once: float results are within an ulp or two.
    return dict(rtol=2e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('grouping', ['along', 'across'])
@pytest.mark.parametrize('shape', SHAPES, ids=lambda s: 'x'.join(map(str, s)))
def test_segment_sum_and_max_match_numpy(shape, grouping, dtype):
    outer, dim, inner = shape
    x = RNG.randn(outer * dim * inner).astype(dtype) - 0.3  # negative maxima occur
    count = outer * inner if grouping == 'along' else dim
    out = np.zeros(count, dtype)
    _caffe._segment_reduce(x, outer, dim, inner, grouping, 'sum', 0.5, out, False)
    np.testing.assert_allclose(out, 0.5 * reference(x, outer, dim, inner, grouping, 'sum'),
                               **tolerance(dtype))
    if dim == 0:
        return
    peak = np.zeros(count, dtype)
    _caffe._segment_reduce(x, outer, dim, inner, grouping, 'max', 1.0, peak, False)
    np.testing.assert_array_equal(peak, reference(x, outer, dim, inner, grouping, 'max'))


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_segment_sum_accumulates_into_out(dtype):
    outer, dim, inner = 6, 3, 4 * PIECE  # across: three long segments, each in pieces
    x = RNG.randn(outer * dim * inner).astype(dtype)
    start = RNG.randn(dim).astype(dtype)
    out = start.copy()
    _caffe._segment_reduce(x, outer, dim, inner, 'across', 'sum', -2.0, out, True)
    expected = start + -2.0 * reference(x, outer, dim, inner, 'across', 'sum')
    np.testing.assert_allclose(out, expected, **tolerance(dtype))


def test_float_sums_accumulate_in_double():
    # 10^6 copies of float32(0.1): a float accumulator drifts by about 1e-3 relative; in
    # double every partial sum is exact, so the result is n * x correctly rounded.
    n = 10 ** 6
    x = np.full(n, 0.1, np.float32)
    out = np.zeros(1, np.float32)
    _caffe._segment_reduce(x, 1, n, 1, 'along', 'sum', 1.0, out, False)
    assert out[0] == np.float32(n * np.float64(x[0]))
    assert _caffe._total(x) == n * np.float64(x[0])


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('n', [0, 1, 1000, 5 * PIECE + 3])
def test_total_matches_numpy(n, dtype):
    x = RNG.randn(n).astype(dtype)
    assert _caffe._total(x) == pytest.approx(x.astype(np.float64).sum(), rel=1e-12, abs=1e-12)


def test_results_repeat_exactly():
    x = RNG.randn(3 * 60000).astype(np.float32)
    first, second = np.zeros(3, np.float32), np.zeros(3, np.float32)
    _caffe._segment_reduce(x, 60000, 3, 1, 'across', 'sum', 1.0, first, False)
    _caffe._segment_reduce(x, 60000, 3, 1, 'across', 'sum', 1.0, second, False)
    np.testing.assert_array_equal(first, second)


def test_wrong_sizes_are_errors():
    x = np.zeros(12)
    with pytest.raises(_caffe.CaffeError, match="x has 12 values, not 2 x 3 x 3"):
        _caffe._segment_reduce(x, 2, 3, 3, 'along', 'sum', 1.0, np.zeros(6), False)
    with pytest.raises(_caffe.CaffeError, match="out needs 3 values, got 4"):
        _caffe._segment_reduce(x, 2, 3, 2, 'across', 'sum', 1.0, np.zeros(4), False)
