"""Net.save_hdf5 / load_hdf5: weights in BVLC's HDF5 layout (/data/<layer>/<i>)."""
import h5py
import numpy as np
import pytest

import caffe

NET = '''name: "h5" force_backward: true
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "a" type: "InnerProduct" bottom: "x" top: "a" param { name: "w" }
  inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 1 }
                        bias_filler { type: "gaussian" std: 1 } } }
layer { name: "b" type: "InnerProduct" bottom: "a" top: "b" param { name: "w" }
  inner_product_param { num_output: 3 bias_term: false } }
layer { name: "relu" type: "ReLU" bottom: "b" top: "b" }
'''


def test_layout_is_bvlcs(tmp_path):
    net = caffe.Net.from_string(NET, caffe.TRAIN)
    path = str(tmp_path / 'w.h5')
    net.save_hdf5(path)
    with h5py.File(path, 'r') as f:
        assert set(f) == {'data'}
        assert list(f['data']) == sorted(['in', 'a', 'b', 'relu'])
        np.testing.assert_array_equal(f['data/a/0'][()], net.params['a'][0].data)
        np.testing.assert_array_equal(f['data/a/1'][()], net.params['a'][1].data)
        assert f['data/a/0'].dtype == np.float32
        assert len(f['data/b']) == 0  # b's weight is a's (shared by name): written once
        assert len(f['data/in']) == 0
    net.params['a'][0].diff[...] = 7
    net.save_hdf5(path, write_diff=True)
    with h5py.File(path, 'r') as f:
        assert (f['diff/a/0'][()] == 7).all() and 'diff/b/0' in f


def test_round_trip_into_float32_and_float64_nets(tmp_path):
    caffe.set_random_seed(4)
    net = caffe.Net.from_string(NET, caffe.TRAIN)
    path = str(tmp_path / 'w.h5')
    net.save_hdf5(path)
    for dtype in (np.float32, np.float64):
        other = caffe.Net.from_string(NET, caffe.TRAIN, dtype=dtype)
        other.load_hdf5(path)
        for name in ('a', 'b'):
            for mine, theirs in zip(other.params[name], net.params[name]):
                np.testing.assert_array_equal(mine.data, theirs.data.astype(dtype))
        x = np.random.RandomState(1).randn(2, 3)
        np.testing.assert_allclose(other.forward(x=x)['b'], net.forward(x=x)['b'], rtol=1e-5, atol=1e-6)


def test_wrong_shapes_and_files_are_errors(tmp_path):
    path = str(tmp_path / 'w.h5')
    with h5py.File(path, 'w') as f:
        f.create_dataset('data/a/0', data=np.zeros((4, 4), np.float32))
    net = caffe.Net.from_string(NET, caffe.TRAIN)
    with pytest.raises(caffe.ShapeError, match=r"layer 'a' blob 0: .* shape \(4, 4\)"):
        net.load_hdf5(path)
    with h5py.File(path, 'w') as f:
        f.create_dataset('weights', data=np.zeros(3))
    with pytest.raises(caffe.FileError, match='no /data group'):
        net.load_hdf5(path)
