"""transform_param (DataTransformer) through an ImageData layer, against numpy."""
import numpy as np
import pytest

import caffe
from data_test_utils import (as_caffe, image_data_net, random_images, write_list,
                             write_pngs)

N, H, W = 4, 6, 5


@pytest.fixture
def dataset(tmp_path):
    images = random_images(N, H, W)
    names = write_pngs(tmp_path, images)
    source = write_list(tmp_path / 'list.txt', names, range(N))
    return tmp_path, source, as_caffe(images)


def forward(net):
    net.forward()
    return net.blobs['data'].data.astype(np.float64).copy()


def test_no_transform_gives_bgr_pixels(dataset):
    tmp, source, expected = dataset
    net = image_data_net(tmp, source, N, f'root_folder: "{tmp}"')
    np.testing.assert_array_equal(forward(net), expected)
    np.testing.assert_array_equal(net.blobs['label'].data, np.arange(N))


def test_scale_and_per_channel_mean_value(dataset):
    tmp, source, expected = dataset
    net = image_data_net(tmp, source, N, f'root_folder: "{tmp}"',
                         transform='scale: 0.5 mean_value: 10 mean_value: 20 mean_value: 30')
    mean = np.array([10, 20, 30]).reshape(1, 3, 1, 1)
    np.testing.assert_allclose(forward(net), (expected - mean) * 0.5, rtol=1e-6)


def test_single_mean_value_applies_to_all_channels(dataset):
    tmp, source, expected = dataset
    net = image_data_net(tmp, source, N, f'root_folder: "{tmp}"', transform='mean_value: 100')
    np.testing.assert_allclose(forward(net), expected - 100, rtol=1e-6)


def test_center_crop_in_test(dataset):
    tmp, source, expected = dataset
    net = image_data_net(tmp, source, N, f'root_folder: "{tmp}"', transform='crop_size: 3')
    h0, w0 = (H - 3) // 2, (W - 3) // 2
    np.testing.assert_array_equal(forward(net), expected[:, :, h0:h0 + 3, w0:w0 + 3])


def test_mean_file_is_subtracted_before_crop(dataset):
    tmp, source, expected = dataset
    mean = np.random.RandomState(3).uniform(0, 255, (1, 3, H, W)).astype(np.float32)
    with open(tmp / 'mean.binaryproto', 'wb') as f:
        f.write(caffe.io.array_to_blobproto(mean).SerializeToString())
    net = image_data_net(tmp, source, N, f'root_folder: "{tmp}"',
                         transform=f'mean_file: "{tmp}/mean.binaryproto" crop_size: 3 scale: 2')
    h0, w0 = (H - 3) // 2, (W - 3) // 2
    want = ((expected - mean) * 2)[:, :, h0:h0 + 3, w0:w0 + 3]
    np.testing.assert_allclose(forward(net), want, rtol=1e-5, atol=1e-4)


def test_random_crop_and_mirror_in_train(dataset):
    tmp, source, expected = dataset
    transform = 'crop_size: 3 mirror: true'
    caffe.set_random_seed(7)
    net = image_data_net(tmp, source, N, f'root_folder: "{tmp}"', transform=transform,
                         phase=caffe.TRAIN)
    seen_offsets, seen_mirror = set(), set()
    outputs = []
    for _ in range(6):
        out = forward(net)
        outputs.append(out)
        for i in range(N):
            matches = [(h, w, m) for h in range(H - 2) for w in range(W - 2) for m in (0, 1)
                       if np.array_equal(out[i], expected[i, :, h:h + 3, w:w + 3][..., ::-1]
                                         if m else expected[i, :, h:h + 3, w:w + 3])]
            assert matches, 'output is not a crop (or mirrored crop) of its image'
            seen_offsets.add(matches[0][:2])
            seen_mirror.update(m for _, _, m in matches)
    assert len(seen_offsets) > 1 and seen_mirror == {0, 1}
    # The same seed repeats the same crops and flips.
    del net
    caffe.set_random_seed(7)
    again = image_data_net(tmp, source, N, f'root_folder: "{tmp}"', transform=transform,
                           phase=caffe.TRAIN)
    for out in outputs:
        np.testing.assert_array_equal(forward(again), out)


def test_force_gray_and_color(dataset, tmp_path):
    tmp, source, expected = dataset
    gray = image_data_net(tmp, source, N, f'root_folder: "{tmp}" is_color: false')
    assert gray.blobs['data'].data.shape == (N, 1, H, W)
    forced = image_data_net(tmp, source, N, f'root_folder: "{tmp}" is_color: false',
                            transform='force_color: true')
    out = forward(forced)
    assert out.shape == (N, 3, H, W)
    np.testing.assert_array_equal(out[:, 0], out[:, 2])


@pytest.mark.parametrize('transform, message', [
    ('crop_size: 9', 'crop_size 9 is larger'),
    ('mean_value: 1 mean_value: 2', '2 mean_value entries'),
    ('mean_file: "/nonexistent/mean.binaryproto"', 'nonexistent/mean.binaryproto'),
    ('mean_file: "x" mean_value: 3', 'not both'),
])
def test_bad_transform_params(dataset, transform, message):
    tmp, source, _ = dataset
    with pytest.raises(caffe.CaffeError, match=message):
        net = image_data_net(tmp, source, N, f'root_folder: "{tmp}"', transform=transform)
        net.forward()


def test_mean_file_of_wrong_size(dataset):
    tmp, source, _ = dataset
    with open(tmp / 'mean.binaryproto', 'wb') as f:
        f.write(caffe.io.array_to_blobproto(np.zeros((1, 3, 2, 2))).SerializeToString())
    net = image_data_net(tmp, source, N, f'root_folder: "{tmp}"',
                         transform=f'mean_file: "{tmp}/mean.binaryproto"')
    with pytest.raises(caffe.ShapeError, match='must match the uncropped input'):
        net.forward()


def test_legacy_image_data_param_fields(dataset):
    tmp, source, expected = dataset
    net = image_data_net(tmp, source, N, f'root_folder: "{tmp}" scale: 0.5 crop_size: 3')
    h0, w0 = (H - 3) // 2, (W - 3) // 2
    np.testing.assert_allclose(forward(net), expected[:, :, h0:h0 + 3, w0:w0 + 3] * 0.5)
