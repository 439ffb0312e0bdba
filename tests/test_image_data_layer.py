"""ImageData layer: batches, labels, shuffling, resizing, prefetching and bad input."""
import gc

import numpy as np
import pytest

import caffe
from data_test_utils import (as_caffe, data_net, image_data_net, random_images, write_list,
                             write_pngs)


@pytest.fixture
def dataset(tmp_path):
    images = random_images(5, 4, 3, seed=1)
    names = write_pngs(tmp_path, images, [f'dir {i}/my image {i}.png' for i in range(5)])
    labels = [10, 11, 12, 13, 14]
    source = write_list(tmp_path / 'list.txt', names, labels)
    return tmp_path, source, as_caffe(images), np.array(labels)


def batches(net, n):
    out = []
    for _ in range(n):
        net.forward()
        out.append((net.blobs['data'].data.copy(), net.blobs['label'].data.copy()))
    return out


@pytest.mark.parametrize('prefetch', [0, 1, 4])
def test_batches_wrap_around_in_order(dataset, prefetch):
    tmp, source, images, labels = dataset
    net = data_net(tmp, 'ImageData', f'image_data_param {{ source: "{source}" batch_size: 2 '
                   f'root_folder: "{tmp}" }} data_param {{ prefetch: {prefetch} }}')
    order = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]
    for b, (data, label) in enumerate(batches(net, 6)):
        idx = order[2 * b:2 * b + 2]
        np.testing.assert_array_equal(data, images[idx])
        np.testing.assert_array_equal(label, labels[idx])
    stats = net.data_wait_seconds()
    assert stats['data']['batches'] == 6 and stats['data']['wait_seconds'] >= 0


def test_shuffle_is_a_seeded_permutation(dataset):
    tmp, source, images, labels = dataset

    def label_sequence(seed):
        caffe.set_random_seed(seed)
        net = image_data_net(tmp, source, 5, f'root_folder: "{tmp}" shuffle: true')
        seq = [label.tolist() for _, label in batches(net, 4)]
        data, label = batches(net, 1)[0]
        for img, lab in zip(data, label):  # images still carry their own labels
            np.testing.assert_array_equal(img, images[list(labels).index(lab)])
        return seq

    first = label_sequence(5)
    assert label_sequence(5) == first
    for epoch in first:
        assert sorted(epoch) == sorted(labels)
    assert len({tuple(e) for e in first}) > 1, 'the order should change between epochs'
    assert any(label_sequence(s) != first for s in (6, 7, 8))


def test_resize_and_gray(tmp_path):
    flat = np.zeros((2, 8, 6, 3), np.uint8)
    flat[0] = (10, 20, 30)
    flat[1] = (200, 100, 50)
    names = write_pngs(tmp_path, flat)
    source = write_list(tmp_path / 'list.txt', names, [0, 1])
    net = image_data_net(tmp_path, source, 2, f'root_folder: "{tmp_path}" new_height: 3 new_width: 4')
    net.forward()
    assert net.blobs['data'].data.shape == (2, 3, 3, 4)
    np.testing.assert_array_equal(net.blobs['data'].data[0, :, 1, 2], [30, 20, 10])
    np.testing.assert_array_equal(net.blobs['data'].data[1, :, 0, 0], [50, 100, 200])
    gray = image_data_net(tmp_path, source, 2, f'root_folder: "{tmp_path}" is_color: false')
    gray.forward()
    assert gray.blobs['data'].data.shape == (2, 1, 8, 6)
    # OpenCV's gray: 0.299 R + 0.587 G + 0.114 B, rounded.
    np.testing.assert_allclose(gray.blobs['data'].data[1], 0.299 * 200 + 0.587 * 100 + 0.114 * 50,
                               atol=1)


def test_data_only_top_and_float64(dataset):
    tmp, source, images, _ = dataset
    net = image_data_net(tmp, source, 3, f'root_folder: "{tmp}"', tops=('data',),
                         dtype=np.float64)
    net.forward()
    np.testing.assert_array_equal(net.blobs['data'].data, images[:3])


def test_destroying_the_net_mid_epoch_does_not_hang(dataset):
    tmp, source, _, _ = dataset
    for _ in range(5):
        net = image_data_net(tmp, source, 2, f'root_folder: "{tmp}"')
        net.forward()
        del net
        gc.collect()
    net = image_data_net(tmp, source, 2, f'root_folder: "{tmp}"')  # never run forward
    del net


# ---- bad input -----------------------------------------------------------------------
def test_missing_image_names_file_and_line(dataset):
    tmp, source, _, _ = dataset
    with open(source, 'a') as f:
        f.write('no such image.png 3\n')
    net = image_data_net(tmp, source, 3, f'root_folder: "{tmp}"')
    net.forward()  # lines 1-3
    with pytest.raises(caffe.FileError, match=r"line 6: image '.*no such image.png' does not exist"):
        net.forward()
    with pytest.raises(caffe.FileError, match='line 6'):  # the error stays
        net.forward()


def test_missing_first_image_fails_at_construction(tmp_path):
    source = write_list(tmp_path / 'list.txt', ['absent.png'], [0])
    with pytest.raises(caffe.FileError, match=r"list file '.*list.txt' line 1: image '.*absent.png'"):
        image_data_net(tmp_path, source, 1, f'root_folder: "{tmp_path}"')


def test_unreadable_image(dataset):
    tmp, source, _, _ = dataset
    (tmp / 'broken.png').write_bytes(b'\x89PNG\r\n\x1a\n this is not really a png')
    with open(source, 'a') as f:
        f.write('broken.png 1\n')
    net = image_data_net(tmp, source, 6, f'root_folder: "{tmp}"')
    with pytest.raises(caffe.FileError, match=r"line 6: cannot decode image '.*broken.png'"):
        net.forward()


def test_empty_list(tmp_path):
    (tmp_path / 'list.txt').write_text('\n  \n')
    with pytest.raises(caffe.FileError, match='names no images'):
        image_data_net(tmp_path, tmp_path / 'list.txt', 1)


def test_missing_list_and_bad_labels(tmp_path):
    with pytest.raises(caffe.FileError, match='cannot open list file'):
        image_data_net(tmp_path, tmp_path / 'nope.txt', 1)
    (tmp_path / 'list.txt').write_text('a.png 1\nb.png\n')
    with pytest.raises(caffe.CaffeError, match="line 2: expected 'path label'"):
        image_data_net(tmp_path, tmp_path / 'list.txt', 1)
    (tmp_path / 'list.txt').write_text('a.png 1\nb.png cat\n')
    with pytest.raises(caffe.CaffeError, match="line 2: the label 'cat' is not an integer"):
        image_data_net(tmp_path, tmp_path / 'list.txt', 1)


def test_images_of_different_sizes_need_resize(tmp_path):
    names = write_pngs(tmp_path, random_images(1, 4, 4)) + \
        write_pngs(tmp_path, random_images(1, 5, 5), ['big.png'])
    source = write_list(tmp_path / 'list.txt', names, [0, 1])
    net = image_data_net(tmp_path, source, 2, f'root_folder: "{tmp_path}"')
    with pytest.raises(caffe.ShapeError, match=r"big.png.*set new_height and new_width"):
        net.forward()
    ok = image_data_net(tmp_path, source, 2, f'root_folder: "{tmp_path}" new_height: 4 new_width: 4')
    ok.forward()


def test_failed_net_construction_stops_the_loader(dataset):
    tmp, source, _, _ = dataset
    text = (f'layer {{ name: "data" type: "ImageData" top: "data" top: "label" image_data_param '
            f'{{ source: "{source}" batch_size: 2 root_folder: "{tmp}" }} }}\n'
            'layer { name: "bad" type: "NoSuchLayer" bottom: "data" top: "x" }\n')
    (tmp / 'bad.prototxt').write_text(text)
    for _ in range(3):
        with pytest.raises(caffe.ParseError, match='NoSuchLayer'):
            caffe.Net(str(tmp / 'bad.prototxt'), caffe.TRAIN)


# A 133-byte file the image fuzzer made (fuzz/image): a DICOM preamble and "DICM" marker
# followed by a malformed header. Debian's OpenCV hands DICOM files to GDCM, which calls
# abort() on it -- the whole process died.
MALFORMED_DICOM = bytes.fromhex(
    '494900000200000011010400010000008c58aa9c000000df854b3d4100000400000200030102030000008600'
    '000003010300010000000100000006010300010000000200000011010400010000008c58aa9c000000df854b'
    '444154780000005958aa9c000000214950360a444154789c63ac31e1e4312032dbc3f46e000500454449434d'
    '4b')


def test_a_dicom_file_is_refused_before_opencv_reads_it(tmp_path):
    (tmp_path / 'scan.png').write_bytes(MALFORMED_DICOM)
    source = write_list(tmp_path / 'list.txt', ['scan.png'], [0])
    script = f'''
import caffe
try:
    caffe.Net({str(tmp_path / 'net.prototxt')!r}, caffe.TEST)
    print('built')
except caffe.FileError as e:
    print('error:', e)
'''
    (tmp_path / 'net.prototxt').write_text(
        f'layer {{ name: "data" type: "ImageData" top: "data" top: "label" '
        f'image_data_param {{ source: "{source}" root_folder: "{tmp_path}/" batch_size: 1 }} }}\n')
    import subprocess
    import sys
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith('error:'), out.stdout
    assert 'list file' in out.stdout and 'line 1' in out.stdout and 'DICOM' in out.stdout
