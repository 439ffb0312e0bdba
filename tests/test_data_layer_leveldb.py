"""Data layer over LevelDB databases (backend: LEVELDB, BVLC's default) written by
convert_imageset -backend=leveldb; compute_image_mean -backend=leveldb."""
import numpy as np
import pytest

import caffe
from conftest import require_tool as tool
from data_test_utils import as_caffe, data_net
from test_data_layer_lmdb import pngs, run  # noqa: F401  (pngs is a fixture)


def convert(tmp, source, name, *flags):
    db = tmp / name
    out = run(tool('convert_imageset'), '-backend=leveldb', *flags, f'{tmp}/imgs/', source, db)
    assert 'Processed 7 files.' in out.stderr
    assert (db / 'CURRENT').exists()  # a LevelDB folder, not an LMDB one
    return db


def leveldb_net(tmp, db, batch, backend='backend: LEVELDB', transform=''):
    return data_net(tmp, 'Data', f'data_param {{ source: "{db}" batch_size: {batch} {backend} }}',
                    transform=transform)


@pytest.mark.parametrize('backend', ['backend: LEVELDB', ''])  # LEVELDB is the default
def test_raw_leveldb_round_trip_and_wrap_around(pngs, backend):  # noqa: F811
    tmp, source, images, labels = pngs
    db = convert(tmp, source, 'raw_leveldb')
    net = leveldb_net(tmp, db, 3, backend)
    expected = as_caffe(images)
    order = list(range(7)) * 2
    for b in range(4):
        net.forward()
        idx = order[3 * b:3 * b + 3]
        np.testing.assert_array_equal(net.blobs['data'].data, expected[idx])
        np.testing.assert_array_equal(net.blobs['label'].data, labels[idx])
    del net


def test_encoded_leveldb_and_mean(pngs):  # noqa: F811
    tmp, source, images, labels = pngs
    db = convert(tmp, source, 'enc_leveldb', '-encoded', '-shuffle', '-seed=2')
    out = run(tool('compute_image_mean'), '-backend=leveldb', db, tmp / 'mean.binaryproto')
    assert 'Processed 7 files.' in out.stderr
    blob = caffe.proto.caffe_pb2.BlobProto()
    blob.ParseFromString((tmp / 'mean.binaryproto').read_bytes())
    np.testing.assert_allclose(caffe.io.blobproto_to_array(blob),
                               as_caffe(images).mean(axis=0, keepdims=True), rtol=1e-5)
    net = leveldb_net(tmp, db, 7)
    net.forward()
    assert sorted(net.blobs['label'].data) == sorted(labels)


def test_leveldb_errors(tmp_path):
    with pytest.raises(caffe.FileError, match=r"Data.*cannot open LevelDB database"):
        leveldb_net(tmp_path, tmp_path / 'no_such_db', 2)
    out = run(tool('convert_imageset'), '-backend=bdb', tmp_path, tmp_path / 'l.txt',
              tmp_path / 'x', ok=False)
    assert out.returncode == 1 and 'use lmdb or leveldb' in out.stderr
