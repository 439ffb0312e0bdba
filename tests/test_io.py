"""caffe.io: image loading, Transformer round trips, proto conversions."""
import numpy as np
import pytest

import caffe
import caffe.io
from caffe.proto import caffe_pb2


def test_load_image_color_and_gray(tmp_path):
    import skimage.io
    rgb = (np.arange(4 * 5 * 3) % 256).astype(np.uint8).reshape(4, 5, 3)
    path = str(tmp_path / 'rgb.png')
    skimage.io.imsave(path, rgb, check_contrast=False)
    img = caffe.io.load_image(path)
    assert img.shape == (4, 5, 3) and img.dtype == np.float32
    np.testing.assert_allclose(img, rgb / 255.0, atol=1e-6)
    gray = np.full((3, 2), 51, np.uint8)
    gpath = str(tmp_path / 'gray.png')
    skimage.io.imsave(gpath, gray, check_contrast=False)
    as_color = caffe.io.load_image(gpath)
    assert as_color.shape == (3, 2, 3)
    np.testing.assert_allclose(as_color, 0.2, atol=1e-6)
    assert caffe.io.load_image(gpath, color=False).shape == (3, 2, 1)


def test_transformer_matches_hand_computation_and_round_trips():
    rng = np.random.RandomState(0)
    img = rng.rand(6, 7, 3).astype(np.float32)           # H x W x RGB in [0, 1]
    t = caffe.io.Transformer({'data': (1, 3, 6, 7)})
    t.set_transpose('data', (2, 0, 1))
    t.set_channel_swap('data', (2, 1, 0))
    t.set_raw_scale('data', 255)
    t.set_mean('data', np.array([10.0, 20.0, 30.0]))
    t.set_input_scale('data', 0.5)
    out = t.preprocess('data', img)
    expected = np.empty((3, 6, 7), np.float32)
    for c_out, c_in in enumerate((2, 1, 0)):
        expected[c_out] = (img[:, :, c_in] * 255 - (10, 20, 30)[c_out]) * 0.5
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    back = t.deprocess('data', out[np.newaxis])
    np.testing.assert_allclose(back, img, atol=1e-5)


def test_transformer_resizes_to_input_size():
    t = caffe.io.Transformer({'data': (1, 3, 8, 8)})
    t.set_transpose('data', (2, 0, 1))
    assert t.preprocess('data', np.ones((4, 4, 3), np.float32)).shape == (3, 8, 8)


def test_transformer_rejects_wrong_mean():
    t = caffe.io.Transformer({'data': (1, 3, 8, 8)})
    with pytest.raises(ValueError, match='channels'):
        t.set_mean('data', np.zeros(4))
    with pytest.raises(KeyError):
        t.set_raw_scale('nope', 1)


def test_blobproto_round_trip_and_legacy_shape():
    arr = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    blob = caffe.io.array_to_blobproto(arr, diff=-arr)
    assert list(blob.shape.dim) == [2, 3, 4]
    np.testing.assert_array_equal(caffe.io.blobproto_to_array(blob), arr)
    np.testing.assert_array_equal(caffe.io.blobproto_to_array(blob, return_diff=True), -arr)
    legacy = caffe_pb2.BlobProto(num=1, channels=2, height=1, width=3, data=range(6))
    assert caffe.io.blobproto_to_array(legacy).shape == (1, 2, 1, 3)
    vec = caffe.io.arraylist_to_blobprotovector_str([arr, arr[0]])
    back = caffe.io.blobprotovector_str_to_arraylist(vec)
    assert [b.shape for b in back] == [(2, 3, 4), (3, 4)]


def test_datum_round_trip():
    u8 = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    d = caffe.io.array_to_datum(u8, label=7)
    assert (d.channels, d.height, d.width, d.label) == (2, 3, 4, 7)
    np.testing.assert_array_equal(caffe.io.datum_to_array(d), u8)
    f = caffe.io.array_to_datum(u8.astype(np.float32) / 3)
    np.testing.assert_allclose(caffe.io.datum_to_array(f), u8 / 3, rtol=1e-6)
    with pytest.raises(ValueError, match='3-D'):
        caffe.io.array_to_datum(np.zeros((2, 2)))


def test_oversample_gives_corners_center_and_mirrors():
    im = np.arange(6 * 6, dtype=np.float32).reshape(6, 6, 1)
    crops = caffe.io.oversample([im], (4, 4))
    assert crops.shape == (10, 4, 4, 1)
    np.testing.assert_array_equal(crops[0], im[:4, :4])
    np.testing.assert_array_equal(crops[3], im[2:, 2:])
    np.testing.assert_array_equal(crops[4], im[1:5, 1:5])
    np.testing.assert_array_equal(crops[5], im[:4, :4][:, ::-1])
