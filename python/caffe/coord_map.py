"""Coordinate maps between the spatial axes of NetSpec tops, and Crop layers made from them
(for fully convolutional nets whose upsampled output must be aligned with the input).

A map is a tuple (axis, a, b): a position x on the spatial axes from `axis` on of one top
corresponds to a * x + b on the other's (a and b are per-axis numpy arrays, or scalars for
maps that do not depend on the layer geometry; axis is None for such maps).

    from caffe.coord_map import coord_map_from_to, crop
    ax, a, b = coord_map_from_to(n.upscore, n.data)   # upscore coordinates -> data's
    n.score = crop(n.upscore, n.data)                 # Crop layer aligning the two

Convolution, Pooling and Im2col map a bottom position x to (x + pad - (k - 1) / 2) / stride
on the top, k being the dilated kernel extent; Deconvolution the other way round; Crop
shifts by -offset; element-wise layers (ReLU, Eltwise, BatchNorm, ...) leave positions
unchanged. Any other layer type stops the walk.
"""
import numpy as np

from .net_spec import layers as L

# Layers whose output position i depends on input position i only.
PASS_THROUGH_LAYERS = {'AbsVal', 'BatchNorm', 'Bias', 'BNLL', 'Clip', 'Dropout', 'Eltwise',
                       'ELU', 'Exp', 'Log', 'LRN', 'MVN', 'Power', 'PReLU', 'ReLU', 'Scale',
                       'Sigmoid', 'Split', 'Swish', 'TanH', 'Threshold'}


class UndefinedMapException(Exception):
    """The layer has no coordinate map (it is not a spatial layer)."""


class AxisMismatchException(Exception):
    """Two maps act on different axes and cannot be composed."""


def _as_array(value, default):
    return np.array(default if value is None else value, ndmin=1)


def conv_params(fn):
    """(axis, stride, dilated kernel extent, pad) of a Convolution, Deconvolution, Pooling
    or Im2col function, each as an array with one entry per spatial axis (or one for all)."""
    params = fn.params.get('convolution_param', fn.params)
    legacy = {'pad_h', 'pad_w', 'kernel_h', 'kernel_w', 'stride_h', 'stride_w'} & set(params)
    assert not legacy, f'coordinate maps need kernel_size / stride / pad, not {sorted(legacy)}'
    kernel = _as_array(params.get('kernel_size'), 1)
    dilation = _as_array(params.get('dilation'), 1)
    return (params.get('axis', 1), _as_array(params.get('stride'), 1),
            (kernel - 1) * dilation + 1, _as_array(params.get('pad'), 0))


def crop_params(fn):
    """(axis, offsets) of a Crop function."""
    params = fn.params.get('crop_param', fn.params)
    return params.get('axis', 2), _as_array(params.get('offset'), 0)


def coord_map(fn):
    """The map from a function's bottom coordinates to its top's."""
    kind = fn.type_name
    if kind in ('Convolution', 'Pooling', 'Im2col'):
        axis, stride, extent, pad = conv_params(fn)
        return axis, 1 / stride, (pad - (extent - 1) / 2) / stride
    if kind == 'Deconvolution':
        axis, stride, extent, pad = conv_params(fn)
        return axis, stride, (extent - 1) / 2 - pad
    if kind == 'Crop':
        axis, offset = crop_params(fn)
        # Crop's axis counts the channel axis; maps count from the first spatial one.
        return axis - 1, 1, -offset
    if kind in PASS_THROUGH_LAYERS:
        return None, 1, 0
    raise UndefinedMapException(f'{kind} layers have no coordinate map')


def compose(base_map, next_map):
    """The map `base_map(next_map(x))`."""
    ax1, a1, b1 = base_map
    ax2, a2, b2 = next_map
    if ax1 is not None and ax2 is not None and ax1 != ax2:
        raise AxisMismatchException(f'maps on axis {ax1} and axis {ax2}')
    return (ax2 if ax1 is None else ax1), a1 * a2, a1 * b2 + b1


def inverse(coord_map_):
    ax, a, b = coord_map_
    return ax, 1 / a, -b / a


def _mappable_bottoms(top):
    # A Crop's second bottom only gives the size; positions come from the first.
    inputs = top.fn.inputs
    return inputs[:1] if top.fn.type_name == 'Crop' else inputs


def _maps_to(top):
    """{ancestor top: map from the ancestor's coordinates to `top`'s}, walking back
    through layers that have a coordinate map."""
    maps = {top: (None, 1, 0)}
    pending = [top]
    while pending:
        current = pending.pop()
        try:
            step = coord_map(current.fn)
        except UndefinedMapException:
            continue
        for bottom in _mappable_bottoms(current):
            if bottom not in maps:
                maps[bottom] = compose(maps[current], step)
                pending.append(bottom)
    return maps


def coord_map_from_to(top_from, top_to):
    """The map from top_from's coordinates to top_to's, through a common ancestor. Raises
    RuntimeError when the two are not connected by layers with coordinate maps."""
    from_maps = _maps_to(top_from)
    to_maps = _maps_to(top_to)
    # The common ancestor closest to top_to (the walk from top_to reaches it first).
    for ancestor, to_map in to_maps.items():
        if ancestor in from_maps:
            return compose(to_map, inverse(from_maps[ancestor]))
    raise RuntimeError('no coordinate map between these tops: they are not connected by '
                       'spatial layers (Convolution, Pooling, Deconvolution, Crop, '
                       'element-wise layers)')


def crop(top_from, top_to):
    """A Crop layer that cuts top_from down to top_to's extent, aligned by their
    coordinate map (which must be a pure shift by a whole, non-positive offset)."""
    ax, a, b = coord_map_from_to(top_from, top_to)
    assert np.all(a == 1), f'scale mismatch on crop (a = {a})'
    assert np.all(b <= 0), f'cannot crop negative offset (b = {b})'
    assert np.all(np.round(b) == b), f'cannot crop noninteger offset (b = {b})'
    offsets = [int(v) for v in np.ravel(-np.round(b))]
    return L.Crop(top_from, top_to, crop_param=dict(axis=ax + 1, offset=offsets))
