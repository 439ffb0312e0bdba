"""DummyData: shapes (shape and legacy fields), fillers, refilling only non-constant
fillers, and definition errors."""
import numpy as np
import pytest

import caffe


def net_with(param, tops=('a',), phase=caffe.TRAIN):
    top_lines = ' '.join(f'top: "{t}"' for t in tops)
    text = f'name: "d" layer {{ name: "d" type: "DummyData" {top_lines} dummy_data_param {{ {param} }} }}'
    return caffe.Net.from_string(text, phase, dtype=np.float64)


def test_default_is_zeros():
    net = net_with('shape { dim: 2 dim: 3 }')
    assert net.blobs['a'].data.shape == (2, 3)
    assert np.all(net.blobs['a'].data == 0)


def test_shapes_per_top_and_legacy():
    net = net_with('shape { dim: 2 } shape { dim: 3 dim: 4 }', tops=('a', 'b'))
    assert net.blobs['a'].data.shape == (2,) and net.blobs['b'].data.shape == (3, 4)
    net = net_with('num: 2 channels: 3 height: 4 width: 5 num: 6', tops=('a', 'b'))
    assert net.blobs['a'].data.shape == (2, 3, 4, 5)
    assert net.blobs['b'].data.shape == (6, 3, 4, 5)
    net = net_with('shape { dim: 5 }', tops=('a', 'b'))
    assert net.blobs['b'].data.shape == (5,)


def test_constant_filled_once_random_refilled():
    caffe.set_random_seed(9)
    net = net_with('shape { dim: 1000 } data_filler { type: "constant" value: 3 } '
                   'data_filler { type: "uniform" min: 2 max: 4 }', tops=('c', 'u'))
    assert np.all(net.blobs['c'].data == 3)
    u0 = net.blobs['u'].data.copy()
    assert 2 <= u0.min() and u0.max() <= 4 and abs(u0.mean() - 3) < 0.1
    net.blobs['c'].data[...] = 7  # a constant top keeps what the user wrote
    net.forward()
    assert np.all(net.blobs['c'].data == 7)
    assert not np.array_equal(net.blobs['u'].data, u0)


def test_one_filler_for_all_tops():
    net = net_with('shape { dim: 3 } data_filler { type: "gaussian" std: 2 }', tops=('a', 'b'))
    assert np.all(net.blobs['a'].data != 0) and np.all(net.blobs['b'].data != 0)


def test_errors():
    with pytest.raises(caffe.CaffeError, match=r"data_filler must be given once or once per top \(3\), got 2"):
        net_with('shape { dim: 1 } data_filler { value: 1 } data_filler { value: 2 }',
                 tops=('a', 'b', 'c'))
    with pytest.raises(caffe.CaffeError, match="shape must be given once or once per top"):
        net_with('', tops=('a',))
    with pytest.raises(caffe.CaffeError, match="either dummy_data_param.shape or num/channels"):
        net_with('shape { dim: 1 } num: 1 channels: 1 height: 1 width: 1')
    with pytest.raises(caffe.CaffeError, match="channels must be given once"):
        net_with('num: 1 height: 1 width: 1')
