"""The extraction tool (tools/extract_annotations.py, caffe.datasets.crops): crops with
rotation, scale and translation noise, the theta that straightens them (checked with the
SpatialTransformer layer against the object rendered independently), the LMDB + HDF5
output read back by Data and HDF5Data layers, and caffe.io.DBWriter / read_db."""
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from PIL import Image

import caffe
import caffe.io
from caffe.datasets import DatasetError, annotations as A, crops
from caffe.proto import caffe_pb2
from conftest import ROOT

TOOL = os.path.join(ROOT, 'tools', 'extract_annotations.py')


def st_net(channels, S, Ho, Wo, n=1):
    return caffe.Net.from_string(
        f'layer {{ name: "u" type: "Input" top: "u" input_param {{ shape {{ dim: {n} '
        f'dim: {channels} dim: {S} dim: {S} }} }} }}\n'
        f'layer {{ name: "t" type: "Input" top: "t" input_param {{ shape {{ dim: {n} dim: 6 }} }} }}\n'
        f'layer {{ name: "st" type: "SpatialTransformer" bottom: "u" bottom: "t" top: "v" '
        f'st_param {{ output_H: {Ho} output_W: {Wo} }} }}\n', caffe.TEST, dtype=np.float64)


def straighten(crop_hwc, theta, Ho, Wo):
    S, C = crop_hwc.shape[0], crop_hwc.shape[2]
    net = st_net(C, S, Ho, Wo)
    net.blobs['u'].data[...] = crop_hwc.transpose(2, 0, 1)[None]
    net.blobs['t'].data[...] = np.asarray(theta).reshape(1, 6)
    return net.forward()['v'][0].transpose(1, 2, 0)


# --- theta by hand ---------------------------------------------------------------------------

@pytest.mark.parametrize('angle,k', [(0, 0), (90, -1), (180, 2), (-90, 1)])
def test_theta_of_quarter_turns_is_exact(angle, k):
    """An object filling a 4 x 4 crop, turned by quarter turns (counter-clockwise on
    screen): the layer with crop_theta turns it back exactly, as numpy's rot90 does."""
    S = 4
    U = (10 * np.arange(S)[:, None] + np.arange(S)[None, :]).astype(np.float64)
    theta = A.crop_theta((S / 2, S / 2), (S, S), angle, S, (S, S))
    V = straighten(U[..., None], theta, S, S)[..., 0]
    np.testing.assert_allclose(V, np.rot90(U, k), atol=1e-9)
    assert A.theta_angle(theta) == pytest.approx(angle if angle != -180 else 180)


def test_theta_hand_worked_values():
    S = 8
    np.testing.assert_allclose(A.crop_theta((4, 4), (8, 8), 0, S, (8, 8)),
                               [[1, 0, 0], [0, 1, 0]], atol=1e-12)
    # a 90-degree turn: x_s = -y_t - 2/S, y_s = x_t (worked out in docs/documents.md)
    np.testing.assert_allclose(A.crop_theta((4, 4), (8, 8), 90, S, (8, 8)),
                               [[0, -1, -2 / S], [1, 0, 0]], atol=1e-12)
    # half the size, in the top-left quarter, shown at 4 x 4: the output is the crop's
    # rows and columns 0-3, theta = [[0.5, 0, -0.5], [0, 0.5, -0.5]]
    th = A.crop_theta((2, 2), (4, 4), 0, S, (4, 4))
    np.testing.assert_allclose(th, [[0.5, 0, -0.5], [0, 0.5, -0.5]], atol=1e-12)
    U = np.arange(64, dtype=np.float64).reshape(8, 8)
    V = straighten(U[..., None], th, 4, 4)[..., 0]
    np.testing.assert_allclose(V, U[:4, :4], atol=1e-9)
    # shown at 8 x 8, output pixel 0 (x_t = -1) is centred a quarter of a crop pixel into
    # the object: crop pixel index X = -0.25, x_s = 2 X / 8 - 1 = -1.0625 = -0.5 + t13
    np.testing.assert_allclose(A.crop_theta((2, 2), (4, 4), 0, S, (8, 8)),
                               [[0.5, 0, -0.5625], [0, 0.5, -0.5625]], atol=1e-12)


@pytest.mark.parametrize('angle', [0.0, 30.0, 135.0, -90.0])
def test_theta_corners_are_the_object_corners(angle):
    """theta_corners(crop_theta(...)) gives back the object's corners in the crop: its
    centre +- half its width along (cos a, -sin a) +- half its height along (sin a, cos a)
    (column, row), top-left first."""
    S, center, (w, h) = 32, (14.5, 17.25), (12.0, 18.0)
    theta = A.crop_theta(center, (w, h), angle, S, (20, 10))
    a = math.radians(angle)
    right, down = np.array([math.cos(a), -math.sin(a)]), np.array([math.sin(a), math.cos(a)])
    c = np.array(center)
    expected = [c - w / 2 * right - h / 2 * down, c + w / 2 * right - h / 2 * down,
                c + w / 2 * right + h / 2 * down, c - w / 2 * right + h / 2 * down]
    np.testing.assert_allclose(A.theta_corners(theta, S, (20, 10)), expected, atol=1e-9)


def test_angle_difference_wraps():
    np.testing.assert_allclose(A.angle_difference([179, -179, 10, 350], [-179, 179, -10, 0]),
                               [2, 2, 20, 10])


# --- crops of a known image ----------------------------------------------------------------------

def pattern(x, y):
    """A smooth colour image (values 20-235) with no symmetry, defined everywhere."""
    return np.stack([128 + 60 * np.sin(2 * np.pi * x / 260 + 0.3) + 40 * np.cos(2 * np.pi * y / 300),
                     128 + 70 * np.sin(2 * np.pi * (x + 2 * y) / 420),
                     128 + 50 * np.cos(2 * np.pi * (x - y) / 350) + 40 * np.sin(2 * np.pi * y / 500)],
                    axis=-1)


def pattern_image(W=520, H=460):
    ys, xs = np.mgrid[0:H, 0:W] + 0.5      # pixel centres in continuous coordinates
    return Image.fromarray(np.round(pattern(xs, ys)).astype(np.uint8))


@pytest.mark.parametrize('angle', [0.0, 37.0, -120.0])
def test_theta_straightens_the_crop(angle):
    """SpatialTransformer(crop, theta) shows the annotated object upright: it equals the
    object's content computed from the annotation alone (the pattern evaluated at the
    object's points), for crops at random rotations of the whole +-180 degrees."""
    ann = A.Annotation('p.png', 'doc', 260.3, 231.7, 150.0, 196.0, angle)
    S, Ho, Wo, n = 40, 28, 21, 10
    [(index, imgs, thetas, angles, boxes)] = crops.crops_of_image(
        pattern_image(), [ann], 5, [0], size=S, samples=n, rotation=180, scale=(1.5, 1.6),
        translation=0.0, upright=(Ho, Wo))
    assert index == 0 and imgs.shape == (n, S, S, 3) and imgs.dtype == np.uint8
    assert thetas.shape == (n, 6) and angles.min() < -60 and angles.max() > 60
    # the object's point shown by output pixel (i, j): u along its width, v down its height
    v, u = np.mgrid[0:Ho, 0:Wo] + 0.5
    x, y = ann.to_image(u * ann.width / Wo, v * ann.height / Ho)
    expected = pattern(x, y)
    for k in range(n):
        got = straighten(imgs[k].astype(np.float64), thetas[k], Ho, Wo)
        err = np.abs(got - expected)
        assert err.max() < 3.0 and err.mean() < 1.0, (k, angles[k], err.max(), err.mean())
        assert A.theta_angle(thetas[k]) == pytest.approx(angles[k], abs=1e-6)


def test_crop_pixels_come_from_the_drawn_crop():
    """Each crop pixel holds the image at the point the crop box (centre, side, angle)
    puts it, and the object's rotation in the crop is the box's angle subtracted from the
    object's."""
    ann = A.Annotation('p.png', 'doc', 250, 240, 120, 160, 15)
    S = 32
    [(_, imgs, _, angles, boxes)] = crops.crops_of_image(
        pattern_image(), [ann], 1, [0], size=S, samples=6, rotation=180, scale=(1.1, 1.4),
        translation=0.05)
    rows, cols = np.mgrid[0:S, 0:S] + 0.5
    for img, angle, (cx, cy, side, crop_angle) in zip(imgs, angles, boxes):
        assert ann.angle - crop_angle == pytest.approx(angle, abs=1e-4)
        assert 1.1 * 160 - 1e-6 <= side <= 1.4 * 160 + 1e-6
        assert math.hypot(cx - ann.cx, cy - ann.cy) <= 0.05 * side * math.sqrt(2) + 1e-6
        a = math.radians(crop_angle)
        k = side / S
        x = cx + (cols - S / 2) * k * math.cos(a) + (rows - S / 2) * k * math.sin(a)
        y = cy - (cols - S / 2) * k * math.sin(a) + (rows - S / 2) * k * math.cos(a)
        err = np.abs(img - pattern(x, y))
        assert err.max() < 3.0 and err.mean() < 1.0


def test_parameters_are_checked():
    ann = A.Annotation('p.png', 'doc', 50, 50, 20, 20, 0)
    img = Image.new('RGB', (100, 100))
    for bad, message in ((dict(size=1), 'size must be at least 2'),
                         (dict(rotation=200), 'rotation must be in'),
                         (dict(scale=(2, 1)), 'scale must be a range'),
                         (dict(samples=0), 'samples must be at least 1')):
        with pytest.raises(ValueError, match=message):
            crops.crops_of_image(img, [ann], 0, [0], **bad)


# --- the databases ------------------------------------------------------------------------------

@pytest.fixture
def small_set(tmp_path):
    """Two pattern photographs with three annotated objects, in two classes."""
    folder = tmp_path / 'photos'
    folder.mkdir()
    pattern_image(300, 260).save(folder / 'one.png')
    pattern_image(260, 300).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / 'two.png')
    rows = [A.Annotation('one.png', 'b', 150, 130, 80, 100, 20),
            A.Annotation('two.png', 'a', 120, 150, 90, 70, -100),
            A.Annotation('one.png', 'a', 100, 100, 40, 50, 170)]
    A.write_csv(str(folder / 'annotations.csv'), rows)
    return folder, rows


def records(db):
    out = []
    for key, value in caffe.io.read_db(str(db)):
        d = caffe_pb2.Datum.FromString(value)
        out.append((key, caffe.io.datum_to_array(d), d.label))
    return out


def test_write_lmdb_and_labels(small_set, tmp_path):
    folder, rows = small_set
    info = crops.write(str(folder / 'annotations.csv'), str(tmp_path / 'out'), seed=3,
                       workers=2, quiet=True, size=24, samples=4, upright=(30, 20))
    assert info['samples'] == 12 and info['classes'] == ['b', 'a'] and info['channels'] == 3
    recs = records(tmp_path / 'out' / 'crops_lmdb')
    assert [k for k, _, _ in recs] == [b'%08d' % i for i in range(12)]
    with h5py.File(tmp_path / 'out' / 'labels.h5', 'r') as f:
        theta, angle, beta, label, source, box = (f[k][...] for k in
                                                  ('theta', 'angle', 'beta', 'label', 'annotation', 'crop'))
    assert theta.shape == (12, 6) and beta.shape == (12, 1) and box.shape == (12, 4)
    np.testing.assert_allclose(beta[:, 0], angle / 180, rtol=1e-6)
    assert sorted(source.tolist()) == [0] * 4 + [1] * 4 + [2] * 4
    assert (tmp_path / 'out' / 'labels.txt').read_text().strip() == \
        str(tmp_path / 'out' / 'labels.h5')
    assert json.loads((tmp_path / 'out' / 'info.json').read_text())['size'] == 24
    # every record is one of its annotation's crops (BGR, channels first), with its theta
    with Image.open(folder / 'one.png') as one, Image.open(folder / 'two.png') as two:
        again = {}
        for i, r in enumerate(rows):
            img = one if r.image == 'one.png' else two
            [(_, imgs, thetas, _, _)] = crops.crops_of_image(img, [r], 3, [i], size=24, samples=4,
                                                             upright=(30, 20))
            again[i] = (imgs, thetas)
    for pos, (_, arr, lab) in enumerate(recs):
        imgs, thetas = again[source[pos]]
        assert lab == label[pos] == ['b', 'a'].index(rows[source[pos]].cls)
        matches = [j for j in range(4) if np.array_equal(arr, imgs[j][..., ::-1].transpose(2, 0, 1))]
        assert len(matches) == 1
        np.testing.assert_allclose(theta[pos], thetas[matches[0]], rtol=1e-6, atol=1e-6)
    # the samples are shuffled: the four crops of annotation 0 are not all adjacent
    assert np.ptp(np.flatnonzero(source == 0)) > 3
    # one process or two: the same databases
    crops.write(str(folder / 'annotations.csv'), str(tmp_path / 'one'), seed=3, workers=1,
                quiet=True, size=24, samples=4, upright=(30, 20))
    raw = [v for _, v in caffe.io.read_db(tmp_path / 'out' / 'crops_lmdb')]
    assert [v for _, v in caffe.io.read_db(tmp_path / 'one' / 'crops_lmdb')] == raw


def test_data_and_hdf5data_layers_read_aligned_batches(small_set, tmp_path):
    folder, _ = small_set
    out = tmp_path / 'out'
    crops.write(str(folder / 'annotations.csv'), str(out), workers=1, quiet=True, size=16,
                samples=3, gray=True)
    recs = records(out / 'crops_lmdb')
    with h5py.File(out / 'labels.h5', 'r') as f:
        theta = f['theta'][...]
    assert recs[0][1].shape == (1, 16, 16)
    net = caffe.Net.from_string(
        f'layer {{ name: "d" type: "Data" top: "data" top: "label" data_param {{ '
        f'source: "{out}/crops_lmdb" batch_size: 4 backend: LMDB }} }}\n'
        f'layer {{ name: "h" type: "HDF5Data" top: "theta" hdf5_data_param {{ '
        f'source: "{out}/labels.txt" batch_size: 4 }} }}\n', caffe.TRAIN)
    for step in range(5):         # 9 samples, batches of 4: wraps around twice
        net.forward()
        idx = [(4 * step + i) % 9 for i in range(4)]
        np.testing.assert_array_equal(net.blobs['data'].data, np.stack([recs[i][1] for i in idx]))
        np.testing.assert_allclose(net.blobs['theta'].data, theta[idx], rtol=1e-6)
        np.testing.assert_array_equal(net.blobs['label'].data, [recs[i][2] for i in idx])


def test_tool_end_to_end_and_errors(small_set, tmp_path):
    folder, _ = small_set
    out = tmp_path / 'out'
    args = [sys.executable, TOOL, str(folder / 'annotations.csv'), str(out), '--samples', '2',
            '--size', '20', '--quiet']
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert 'wrote 6 crops of 3 annotations (3 x 20 x 20, 2 classes)' in done.stdout
    assert len(records(out / 'crops_lmdb')) == 6
    again = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and 'already exists' in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    (folder / 'broken.csv').write_text('image,class,cx,cy,width,height,angle_degrees\n'
                                       'gone.png,a,1,2,3,4,5\n')
    missing = subprocess.run([sys.executable, TOOL, str(folder / 'broken.csv'), str(tmp_path / 'x')],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "not found under" in missing.stderr and 'gone.png' in missing.stderr


def test_unknown_class_is_an_error(small_set, tmp_path):
    folder, _ = small_set
    with pytest.raises(DatasetError, match=r"classes \['b'\] are not among \['a'\]"):
        crops.write(str(folder / 'annotations.csv'), str(tmp_path / 'o'), classes=['a'], quiet=True)


# --- caffe.io.DBWriter / read_db --------------------------------------------------------------------

@pytest.mark.parametrize('backend', ['lmdb', 'leveldb'])
def test_db_writer_round_trip(tmp_path, backend):
    path = tmp_path / f'x_{backend}'
    rng = np.random.RandomState(0)
    arrays = [rng.randint(0, 256, (2, 3, 4)).astype(np.uint8) for _ in range(5)]
    with caffe.io.DBWriter(path, backend=backend, batch=2) as db:
        for i in (3, 0, 4, 1, 2):               # written out of order, read in key order
            db.put(f'{i:03d}', caffe.io.array_to_datum(arrays[i], label=i))
    got = list(caffe.io.read_db(path, backend=backend))
    assert [k for k, _ in got] == [b'000', b'001', b'002', b'003', b'004']
    for i, (_, value) in enumerate(got):
        d = caffe_pb2.Datum.FromString(value)
        assert d.label == i
        np.testing.assert_array_equal(caffe.io.datum_to_array(d), arrays[i])
    with pytest.raises(caffe.FileError, match='already exists'):
        caffe.io.DBWriter(path, backend=backend)
    with pytest.raises(caffe.ParseError):
        caffe.io.DBWriter(tmp_path / 'y', backend='sqlite')
    with pytest.raises(caffe.FileError, match='does not exist'):
        list(caffe.io.read_db(tmp_path / 'nothing', backend=backend))
