"""MemoryData layer and Net.set_input_arrays."""
import gc

import numpy as np
import pytest

import caffe
from data_test_utils import data_net

PARAM = 'memory_data_param { batch_size: 2 channels: 3 height: 2 width: 2 }'


def arrays(n, dtype=np.float32):
    data = np.arange(n * 12, dtype=dtype).reshape(n, 3, 2, 2)
    return data, np.arange(n, dtype=dtype) + 100


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_batches_step_through_and_wrap(tmp_path, dtype):
    net = data_net(tmp_path, 'MemoryData', PARAM, dtype=dtype)
    data, labels = arrays(6, dtype)
    net.set_input_arrays(data, labels)
    for b in [0, 1, 2, 0]:
        net.forward()
        np.testing.assert_array_equal(net.blobs['data'].data, data[2 * b:2 * b + 2])
        np.testing.assert_array_equal(net.blobs['label'].data, labels[2 * b:2 * b + 2])


def test_arrays_stay_valid_after_the_caller_drops_them(tmp_path):
    net = data_net(tmp_path, 'MemoryData', PARAM)
    data, labels = arrays(4)
    expected = data.copy()
    net.set_input_arrays(data, labels.reshape(4, 1, 1, 1))
    del data, labels
    gc.collect()
    np.zeros((1000, 1000), np.float32)  # reuse freed memory if it had been freed
    net.forward()
    np.testing.assert_array_equal(net.blobs['data'].data, expected[:2])


def test_bad_arrays(tmp_path):
    net = data_net(tmp_path, 'MemoryData', PARAM)
    with pytest.raises(caffe.CaffeError, match='call net.set_input_arrays'):
        net.forward()
    data, labels = arrays(4)
    with pytest.raises(TypeError, match='float32'):
        net.set_input_arrays(data.astype(np.float64), labels)
    with pytest.raises(ValueError, match='C-contiguous'):
        net.set_input_arrays(np.asfortranarray(data), labels)
    with pytest.raises(caffe.ShapeError, match=r'multiple of the batch size 2'):
        net.set_input_arrays(*arrays(3))
    with pytest.raises(caffe.ShapeError, match=r'shape \(N, 3, 2, 2\), got \(4, 3, 2, 1\)'):
        net.set_input_arrays(np.zeros((4, 3, 2, 1), np.float32), labels)
    with pytest.raises(caffe.ShapeError, match='labels must have shape'):
        net.set_input_arrays(data, labels[:3])


def test_net_without_memory_data(tmp_path):
    net = data_net(tmp_path, 'Input', 'input_param { shape { dim: 1 } }', tops=('x',))
    with pytest.raises(TypeError, match='MemoryData'):
        net.set_input_arrays(*arrays(2))


def test_missing_memory_data_param(tmp_path):
    with pytest.raises(caffe.ParseError, match='memory_data_param needs positive'):
        data_net(tmp_path, 'MemoryData', '')
