"""HDF5: the HDF5Data layer (batches from the files of a list, several datasets, shuffling,
multi-valued labels such as theta's 6 numbers), the HDF5Output layer, HDF5 weights and
solver snapshots (snapshot_format: HDF5) written and restored. The test files are
written here with h5py and checked against numpy."""
import h5py
import numpy as np
import pytest

import caffe
from data_test_utils import data_net
from test_solvers import make_solver, weights

RNG = np.random.RandomState(112)


def write_h5(path, **datasets):
    with h5py.File(path, 'w') as f:
        for name, value in datasets.items():
            f.create_dataset(name, data=value)
    return str(path)


@pytest.fixture
def two_files(tmp_path):
    a = dict(data=RNG.randn(5, 2, 3, 3).astype(np.float32), theta=RNG.randn(5, 6),
             label=np.arange(5, dtype=np.int32))
    b = dict(data=RNG.randn(3, 2, 3, 3).astype(np.float32), theta=RNG.randn(3, 6),
             label=np.arange(10, 13, dtype=np.int32))
    files = [write_h5(tmp_path / 'a.h5', **a), write_h5(tmp_path / 'b b.h5', **b)]
    source = tmp_path / 'list.txt'
    source.write_text('\n'.join(files) + '\n\n')
    rows = {k: np.concatenate([a[k], b[k]]) for k in a}
    return tmp_path, str(source), rows


def hdf5_net(tmp_path, source, batch, tops=('data', 'theta', 'label'), extra='', dtype=np.float64):
    return data_net(tmp_path, 'HDF5Data',
                    f'hdf5_data_param {{ source: "{source}" batch_size: {batch} {extra} }}',
                    tops=tops, dtype=dtype)


def test_hdf5_data_reads_files_in_order_and_wraps(two_files):
    tmp, source, rows = two_files
    net = hdf5_net(tmp, source, 3)
    assert net.blobs['theta'].data.shape == (3, 6)
    assert net.blobs['data'].data.shape == (3, 2, 3, 3)
    order = list(range(8)) * 3
    for b in range(6):
        net.forward()
        idx = order[3 * b:3 * b + 3]
        for name in ('data', 'theta', 'label'):
            np.testing.assert_allclose(net.blobs[name].data, rows[name][idx].astype(np.float64),
                                       rtol=1e-7)
    np.testing.assert_array_equal(net.blobs['theta'].data, rows['theta'][order[15:18]])


def test_hdf5_data_shuffle_serves_every_row_once_per_pass(two_files):
    tmp, source, rows = two_files
    caffe.set_random_seed(3)
    net = hdf5_net(tmp, source, 4, tops=('label',), extra='shuffle: true')
    seen = []
    for _ in range(4):
        net.forward()
        seen.extend(net.blobs['label'].data.astype(int).tolist())
    assert sorted(seen[:8]) == sorted(rows['label'].tolist())
    assert sorted(seen[8:]) == sorted(rows['label'].tolist())
    assert seen[:8] != rows['label'].tolist() or seen[8:] != rows['label'].tolist()


def test_hdf5_data_errors(two_files, tmp_path):
    tmp, source, _ = two_files
    with pytest.raises(caffe.FileError, match=r"HDF5Data.*has no dataset 'missing'"):
        hdf5_net(tmp, source, 2, tops=('missing',))
    with pytest.raises(caffe.FileError, match=r"HDF5Data.*cannot open the list"):
        hdf5_net(tmp, tmp / 'nope.txt', 2)
    with pytest.raises(caffe.ParseError, match=r"HDF5Data does not transform data"):
        data_net(tmp, 'HDF5Data', f'hdf5_data_param {{ source: "{source}" batch_size: 2 }}',
                 transform='scale: 2', tops=('data',))
    bad = write_h5(tmp_path / 'bad.h5', data=np.zeros((4, 2)), label=np.zeros(3))
    (tmp_path / 'bad.txt').write_text(bad + '\n')
    with pytest.raises(caffe.ShapeError, match=r"dataset 'label' has 3 rows but 'data' has 4"):
        hdf5_net(tmp_path, tmp_path / 'bad.txt', 2, tops=('data', 'label'))
    (tmp_path / 'text.h5').write_text('not hdf5')
    (tmp_path / 'text.txt').write_text(str(tmp_path / 'text.h5') + '\n')
    with pytest.raises(caffe.FileError, match=r"is not an HDF5 file"):
        hdf5_net(tmp_path, tmp_path / 'text.txt', 2)


def test_hdf5_output_writes_every_pass(tmp_path):
    out = tmp_path / 'out.h5'
    text = f'''name: "out"
layer {{ name: "in" type: "Input" top: "d" top: "l"
        input_param {{ shape {{ dim: 2 dim: 3 }} shape {{ dim: 2 dim: 6 }} }} }}
layer {{ name: "save" type: "HDF5Output" bottom: "d" bottom: "l"
        hdf5_output_param {{ file_name: "{out}" }} }}
'''
    net = caffe.Net.from_string(text, caffe.TEST, dtype=np.float64)
    batches = [(RNG.randn(2, 3), RNG.randn(2, 6)) for _ in range(3)]
    for k, (d, l) in enumerate(batches):
        net.blobs['d'].data[...] = d
        net.blobs['l'].data[...] = l
        net.forward()
        with h5py.File(out, 'r') as f:
            np.testing.assert_array_equal(f['data'][...], np.concatenate([b[0] for b in batches[:k + 1]]))
            np.testing.assert_array_equal(f['label'][...], np.concatenate([b[1] for b in batches[:k + 1]]))
            assert f['data'].dtype == np.float64


def test_hdf5_output_then_hdf5_data_round_trip(tmp_path):
    out = tmp_path / 'round.h5'
    text = f'''name: "out"
layer {{ name: "in" type: "Input" top: "d" top: "l"
        input_param {{ shape {{ dim: 4 dim: 2 dim: 2 }} shape {{ dim: 4 }} }} }}
layer {{ name: "save" type: "HDF5Output" bottom: "d" bottom: "l"
        hdf5_output_param {{ file_name: "{out}" }} }}
'''
    net = caffe.Net.from_string(text, caffe.TEST)
    d, l = RNG.randn(4, 2, 2), np.arange(4.0)
    net.blobs['d'].data[...] = d
    net.blobs['l'].data[...] = l
    net.forward()
    (tmp_path / 'list.txt').write_text(f'{out}\n')
    back = hdf5_net(tmp_path, tmp_path / 'list.txt', 4, tops=('data', 'label'), dtype=np.float32)
    back.forward()
    np.testing.assert_array_equal(back.blobs['data'].data, d.astype(np.float32))
    np.testing.assert_array_equal(back.blobs['label'].data, l)


@pytest.mark.parametrize('kind', ['SGD', 'Adam'])
def test_hdf5_snapshot_restore_continues_exactly(tmp_path, kind):
    fields = dict(type=f'"{kind}"', momentum=0.9, base_lr=0.05, snapshot_format='HDF5')
    full = make_solver(tmp_path, **fields)
    full.step(8)
    expected = weights(full)

    first = make_solver(tmp_path, **fields)
    first.step(4)
    at4 = weights(first)
    first.snapshot()
    model, state = tmp_path / 'snap_iter_4.caffemodel.h5', tmp_path / 'snap_iter_4.solverstate.h5'
    assert model.exists() and state.exists()
    assert not (tmp_path / 'snap_iter_4.caffemodel').exists()
    with h5py.File(model, 'r') as f:  # BVLC's layout
        np.testing.assert_array_equal(f['data/ip/0'][...], at4[0])
        np.testing.assert_array_equal(f['data/ip/1'][...], at4[1])
        assert 'input' in f['data'] and len(f['data/input']) == 0
    with h5py.File(state, 'r') as f:
        assert f['iter'][0] == 4 and f['learned_net'][()].decode() == str(model)
        assert len(f['history']) == (2 if kind == 'SGD' else 4)
    first.step(1)

    resumed = make_solver(tmp_path, **fields)
    resumed.restore(str(state))
    assert resumed.iter == 4
    for a, b in zip(weights(resumed), at4):
        np.testing.assert_array_equal(a, b)
    resumed.step(4)
    for a, b in zip(weights(resumed), expected):
        np.testing.assert_array_equal(a, b)


def test_hdf5_weights_load_into_a_net(tmp_path):
    solver = make_solver(tmp_path, snapshot_format='HDF5')
    solver.step(2)
    solver.snapshot()
    net = caffe.Net(str(tmp_path / 'net.prototxt'), str(tmp_path / 'snap_iter_2.caffemodel.h5'),
                    caffe.TEST, dtype=np.float64)
    for a, b in zip(net.params['ip'], solver.net.params['ip']):
        np.testing.assert_array_equal(a.data, b.data)
    # A file of BVLC's layout written by h5py loads the same way, float32 converted.
    w = RNG.randn(3, 4).astype(np.float32)
    b = RNG.randn(3).astype(np.float32)
    with h5py.File(tmp_path / 'theirs.caffemodel.h5', 'w') as f:
        f.create_dataset('data/ip/0', data=w)
        f.create_dataset('data/ip/1', data=b)
        f.create_group('data/loss')
    net.copy_from(str(tmp_path / 'theirs.caffemodel.h5'))
    np.testing.assert_array_equal(net.params['ip'][0].data, w)
    np.testing.assert_array_equal(net.params['ip'][1].data, b)
    with h5py.File(tmp_path / 'wrong.caffemodel.h5', 'w') as f:
        f.create_dataset('data/ip/0', data=np.zeros((2, 2)))
        f.create_dataset('data/ip/1', data=np.zeros(3))
    with pytest.raises(caffe.ShapeError, match=r"weights for layer 'ip' parameter 0"):
        net.copy_from(str(tmp_path / 'wrong.caffemodel.h5'))
