import numpy as np
import pytest

import caffe


def test_blob_shape_and_legacy_accessors():
    b = caffe.Blob(2, 3, 4, 5)
    assert b.shape == (2, 3, 4, 5)
    assert (b.num, b.channels, b.height, b.width) == (2, 3, 4, 5)
    assert b.count == 120
    b.reshape(6, 7)
    assert b.shape == (6, 7) and b.count == 42
    b.reshape((1, 2, 3))
    assert b.data.shape == (1, 2, 3)


def test_data_and_diff_are_views_of_blob_memory():
    b = caffe.Blob(3, 4)
    b.data[...] = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(b.data, np.arange(12).reshape(3, 4))
    view = b.data
    view[1, 2] = -5
    assert b.data[1, 2] == -5
    b.diff[...] = 2
    assert np.all(b.diff == 2) and b.data[0, 0] == 0
    assert b.data.dtype == np.float32


def test_negative_dimension_is_an_error():
    with pytest.raises(caffe.ShapeError, match='negative'):
        caffe.Blob(2, -1)
