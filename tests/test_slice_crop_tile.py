"""Slice, Crop and Tile: forward vs numpy slicing / tiling, gradients vs finite
differences, shape errors."""
import numpy as np
import pytest

from caffe_test_utils import check_gradient, layer_forward

RNG = np.random.RandomState(13)


@pytest.mark.parametrize('layer,axis,points', [
    ('type: "Slice" slice_param { axis: 1 slice_point: 1 slice_point: 4 }', 1, [1, 4]),
    ('type: "Slice" slice_param { slice_dim: 2 }', 2, [2, 4]),
    ('type: "Slice" slice_param { axis: -1 }', 3, [1, 2]),
])
def test_slice_forward_and_gradient(layer, axis, points):
    x = RNG.randn(2, 5, 6, 3)
    tops = ('a', 'b', 'c')
    out = layer_forward(layer, {'x': x}, tops=tops, dtype=np.float64)
    for name, ref in zip(tops, np.split(x, points, axis=axis)):
        np.testing.assert_array_equal(out[name], ref)
    check_gradient(layer, {'x': RNG.randn(2, 5, 6, 3)}, tops=tops)


def test_slice_errors():
    with pytest.raises(Exception, match=r"Slice.*cannot be cut into 2 equal parts"):
        layer_forward('type: "Slice"', {'x': RNG.randn(2, 3)}, tops=('a', 'b'))
    with pytest.raises(Exception, match=r"Slice.*expected 1 slice points"):
        layer_forward('type: "Slice" slice_param { slice_point: 1 slice_point: 2 }',
                      {'x': RNG.randn(2, 3)}, tops=('a', 'b'))


@pytest.mark.parametrize('offsets,axis', [([], 2), ([1], 2), ([1, 2], 2), ([0, 1, 0, 2], 0)])
def test_crop_forward_and_gradient(offsets, axis):
    x, ref = RNG.randn(3, 4, 5, 6), np.zeros((2, 3, 3, 4))
    text = f'type: "Crop" crop_param {{ axis: {axis} ' + ''.join(
        f'offset: {o} ' for o in offsets) + '}'
    out = layer_forward(text, {'x': x, 'ref': ref}, dtype=np.float64)['out']
    full = [0] * 4
    for a in range(axis, 4):
        full[a] = 0 if not offsets else offsets[0 if len(offsets) == 1 else a - axis]
    index = tuple(slice(full[a], full[a] + (ref.shape[a] if a >= axis else x.shape[a]))
                  for a in range(4))
    np.testing.assert_array_equal(out, x[index])
    check_gradient(text, {'x': RNG.randn(3, 4, 5, 6), 'ref': ref}, check_bottoms=['x'])


def test_crop_that_does_not_fit_is_rejected():
    with pytest.raises(Exception, match=r"Crop.*does not fit"):
        layer_forward('type: "Crop" crop_param { offset: 3 }',
                      {'x': RNG.randn(1, 1, 4, 4), 'ref': np.zeros((1, 1, 2, 2))})


@pytest.mark.parametrize('axis,tiles', [(1, 3), (0, 2), (2, 2), (-1, 4)])
def test_tile_forward_and_gradient(axis, tiles):
    x = RNG.randn(2, 3, 2)
    text = f'type: "Tile" tile_param {{ axis: {axis} tiles: {tiles} }}'
    out = layer_forward(text, {'x': x}, dtype=np.float64)['out']
    reps = [1, 1, 1]
    reps[axis] = tiles
    np.testing.assert_array_equal(out, np.tile(x, reps))
    check_gradient(text, {'x': x})


def test_tile_needs_tiles():
    with pytest.raises(Exception, match=r"Tile.*tiles must be given"):
        layer_forward('type: "Tile"', {'x': RNG.randn(2, 3)})
