"""Data layer over LMDB databases written by convert_imageset; compute_image_mean;
make_list_file.py."""
import os
import subprocess
import sys

import numpy as np
import pytest

import caffe
from conftest import ROOT, require_tool as tool
from data_test_utils import as_caffe, data_net, random_images, write_list, write_pngs


def run(*args, ok=True):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=60)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def pngs(tmp_path):
    images = random_images(7, 6, 5, seed=2)
    names = write_pngs(tmp_path / 'imgs', images, [f'a {i}.png' for i in range(7)])
    source = write_list(tmp_path / 'list.txt', names, [3, 1, 4, 1, 5, 9, 2])
    return tmp_path, source, images, np.array([3, 1, 4, 1, 5, 9, 2])


def convert(tmp, source, name, *flags):
    db = tmp / name
    out = run(tool('convert_imageset'), *flags, f'{tmp}/imgs/', source, db)
    assert 'Processed 7 files.' in out.stderr
    return db


def lmdb_net(tmp, db, batch, transform='', extra=''):
    return data_net(tmp, 'Data', f'data_param {{ source: "{db}" batch_size: {batch} '
                    f'backend: LMDB {extra} }}', transform=transform)


def test_raw_lmdb_round_trip_and_wrap_around(pngs):
    tmp, source, images, labels = pngs
    db = convert(tmp, source, 'raw_lmdb')
    net = lmdb_net(tmp, db, 3)
    expected = as_caffe(images)
    order = list(range(7)) * 2
    for b in range(4):
        net.forward()
        idx = order[3 * b:3 * b + 3]
        np.testing.assert_array_equal(net.blobs['data'].data, expected[idx])
        np.testing.assert_array_equal(net.blobs['label'].data, labels[idx])


def test_two_nets_reading_one_lmdb_each_see_every_record_in_order(pngs):
    """A train and a test net on one source (as in most solvers): LMDB allows one open
    environment per database and process -- a second open resets the reader table under
    the first, whose next wrap-around could then see an empty database. Both readers
    share one environment and each keeps its own position across many wrap-arounds."""
    tmp, source, images, labels = pngs
    db = convert(tmp, source, 'shared_lmdb')
    first, second = lmdb_net(tmp, db, 3), lmdb_net(tmp, db, 2)
    third = lmdb_net(tmp, str(db) + '/', 5)          # another spelling of the same path
    order = list(range(7)) * 30
    for b in range(30):
        for net, batch in ((first, 3), (second, 2), (third, 5)):
            net.forward()
            np.testing.assert_array_equal(net.blobs['label'].data,
                                          labels[order[batch * b:batch * b + batch]])
    del first, second
    # the last reader still reads after the others are gone
    third.forward()
    np.testing.assert_array_equal(third.blobs['label'].data, labels[order[150:155]])


def test_encoded_gray_resized_lmdb(pngs):
    tmp, source, images, labels = pngs
    db = convert(tmp, source, 'enc_lmdb', '-encoded', '-gray', '-resize_height=4',
                 '-resize_width=4', '-check_size')
    net = lmdb_net(tmp, db, 7, transform='scale: 0.00390625')
    net.forward()
    data = net.blobs['data'].data
    assert data.shape == (7, 1, 4, 4)
    assert 0 <= data.min() and data.max() <= 1 and data.std() > 0.05
    np.testing.assert_array_equal(net.blobs['label'].data, labels)
    color = lmdb_net(tmp, db, 7, transform='force_color: true')
    color.forward()
    assert color.blobs['data'].data.shape == (7, 3, 4, 4)


def test_encoded_keeps_the_png_bytes(pngs):
    tmp, source, images, _ = pngs
    db = convert(tmp, source, 'png_lmdb', '-encoded')
    net = lmdb_net(tmp, db, 7, transform='crop_size: 3')
    net.forward()
    np.testing.assert_array_equal(net.blobs['data'].data, as_caffe(images)[:, :, 1:4, 1:4])


def test_shuffle_with_seed_is_a_permutation(pngs):
    tmp, source, images, labels = pngs
    db = convert(tmp, source, 'shuf_lmdb', '-shuffle', '-seed=3')
    net = lmdb_net(tmp, db, 7)
    net.forward()
    got = net.blobs['label'].data
    assert sorted(got) == sorted(labels)
    expected = as_caffe(images)
    for img in net.blobs['data'].data:
        assert any(np.array_equal(img, e) for e in expected)


def test_compute_image_mean_matches_numpy(pngs):
    tmp, source, images, _ = pngs
    db = convert(tmp, source, 'mean_lmdb')
    out = run(tool('compute_image_mean'), db, tmp / 'mean.binaryproto')
    assert 'Processed 7 files.' in out.stderr
    blob = caffe.proto.caffe_pb2.BlobProto()
    blob.ParseFromString((tmp / 'mean.binaryproto').read_bytes())
    mean = caffe.io.blobproto_to_array(blob)
    want = as_caffe(images).mean(axis=0, keepdims=True)
    np.testing.assert_allclose(mean, want, rtol=1e-5)
    # and it works as a mean_file
    net = lmdb_net(tmp, db, 7, transform=f'mean_file: "{tmp}/mean.binaryproto"')
    net.forward()
    np.testing.assert_allclose(net.blobs['data'].data, as_caffe(images) - want, atol=1e-4)


def test_convert_refuses_to_overwrite(pngs):
    tmp, source, _, _ = pngs
    db = convert(tmp, source, 'once_lmdb')
    out = run(tool('convert_imageset'), f'{tmp}/imgs/', source, db, ok=False)
    assert out.returncode == 1 and 'already exists' in out.stderr


def test_convert_skips_missing_images_and_reports_them(pngs):
    tmp, source, _, _ = pngs
    with open(source, 'a') as f:
        f.write('gone.png 0\n')
    db = convert(tmp, source, 'skip_lmdb')
    net = lmdb_net(tmp, db, 7)  # the 7 readable images
    net.forward()


def test_nonexistent_lmdb(tmp_path):
    with pytest.raises(caffe.FileError, match=r"LMDB database '.*no_such_db' does not exist"):
        lmdb_net(tmp_path, tmp_path / 'no_such_db', 2)
    os.makedirs(tmp_path / 'plain_folder')
    with pytest.raises(caffe.FileError, match='not an LMDB database'):
        lmdb_net(tmp_path, tmp_path / 'plain_folder', 2)
    out = run(tool('compute_image_mean'), tmp_path / 'no_such_db', ok=False)
    assert out.returncode == 1 and 'does not exist' in out.stderr


def test_make_list_file(tmp_path):
    for cls, n in (('cat', 2), ('dog', 3)):
        write_pngs(tmp_path / 'named' / cls, random_images(n, 3, 3))
    for cls in ('7', '2'):
        write_pngs(tmp_path / 'digits' / cls, random_images(1, 3, 3))
    script = os.path.join(ROOT, 'tools', 'make_list_file.py')
    out = run(sys.executable, script, tmp_path / 'named', tmp_path / 'named.txt')
    assert 'wrote 5 images in 2 classes' in out.stdout
    lines = (tmp_path / 'named.txt').read_text().splitlines()
    assert lines[0] == 'cat/img000.png 0' and lines[-1] == 'dog/img002.png 1'
    run(sys.executable, script, tmp_path / 'digits', tmp_path / 'digits.txt', '--shuffle',
        '--seed', '1')
    assert sorted((tmp_path / 'digits.txt').read_text().splitlines()) == \
        ['2/img000.png 2', '7/img000.png 7']
    # the list drives convert_imageset directly
    db = tmp_path / 'named_lmdb'
    run(tool('convert_imageset'), tmp_path / 'named', tmp_path / 'named.txt', db)
    net = lmdb_net(tmp_path, db, 5)
    net.forward()
    np.testing.assert_array_equal(net.blobs['label'].data, [0, 0, 1, 1, 1])


def _varint(n):
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def test_a_record_claiming_a_huge_shape_is_refused_before_allocating(tmp_path):
    # A corrupt record whose header claims 1 x 20000 x 20000 pixels but holds 4 bytes: the
    # data layer used to allocate and zero a batch of that size (1.6 GB of floats) in its
    # prefetch thread before checking the bytes. It must be refused from the header, when
    # the net is built. The record is corrupted in place in the LMDB file (same length; LMDB
    # keeps no checksums).
    images = random_images(1, 6, 5, seed=4)
    names = write_pngs(tmp_path / 'imgs', images)
    source = write_list(tmp_path / 'list.txt', names, [7])
    db = tmp_path / 'one_lmdb'
    run(tool('convert_imageset'), f'{tmp_path}/imgs/', source, db)
    pixels = as_caffe(images)[0].astype(np.uint8).tobytes()  # C x H x W, BGR
    original = b'\x08\x03\x10\x06\x18\x05\x22' + _varint(len(pixels)) + pixels
    corrupt = b'\x08\x01\x10' + _varint(20000) + b'\x18' + _varint(20000) + b'\x22\x04abcd'
    filler = len(original) - len(corrupt) - 2  # an unknown field 15 pads to the same length
    corrupt += b'\x7a' + _varint(filler) + b'\x00' * filler
    assert len(corrupt) == len(original)
    data_file = db / 'data.mdb'
    content = data_file.read_bytes()
    assert content.count(original) == 1
    data_file.write_bytes(content.replace(original, corrupt))
    net_file = tmp_path / 'net.prototxt'
    net_file.write_text(f'layer {{ name: "data" type: "Data" top: "data" top: "label" '
                        f'data_param {{ source: "{db}" batch_size: 2 backend: LMDB }} }}\n')
    script = f'''
import resource, caffe
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    net = caffe.Net({str(net_file)!r}, caffe.TEST)
    net.forward()
    print('loaded')
except caffe.CaffeError as e:
    print('error:', type(e).__name__, e)
print('grew_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
'''
    out = run(sys.executable, '-c', script)
    lines = out.stdout.splitlines()
    assert lines[0].startswith('error: ShapeError'), lines
    assert "layer 'data'" in lines[0] and 'holds 4 bytes' in lines[0], lines
    assert '1 x 20000 x 20000' in lines[0], lines
    grew_kb = int(lines[1].split()[1])
    assert grew_kb < 100 * 1024, f'the corrupt record raised the peak memory by {grew_kb} kB'
