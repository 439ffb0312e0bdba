"""WindowData: windows of images cropped, warped, padded with context, mirrored and
labelled (foreground / background), against numpy crops of the images written here."""
import numpy as np
import pytest

import caffe
from data_test_utils import data_net, random_images, write_pngs

BATCH = 4


def window_file(tmp_path, images, windows):
    """images: list of (h, w, 3) uint8; windows: per image, (class, overlap, x1, y1, x2, y2)."""
    names = write_pngs(tmp_path / 'imgs', images)
    lines = []
    for i, (name, img, wins) in enumerate(zip(names, images, windows)):
        lines += [f'# {i}', name, f'3 {img.shape[0]} {img.shape[1]}', str(len(wins))]
        lines += [' '.join(str(v) for v in w) for w in wins]
    path = tmp_path / 'windows.txt'
    path.write_text('\n'.join(lines) + '\n')
    return path


def window_net(tmp_path, source, crop, extra='', transform='', phase=caffe.TRAIN):
    param = (f'window_data_param {{ source: "{source}" batch_size: {BATCH} '
             f'root_folder: "{tmp_path}/imgs/" {extra} }}')
    return data_net(tmp_path, 'WindowData', param, transform=f'crop_size: {crop} {transform}',
                    phase=phase)


def chw(img):
    return img[..., ::-1].transpose(2, 0, 1).astype(np.float64)  # RGB file -> BGR planes


def test_windows_are_cropped_and_labelled(tmp_path):
    img = random_images(1, 10, 12, seed=1)[0]
    fg, bg = (3, 0.9, 2, 1, 5, 4), (1, 0.1, 6, 5, 9, 8)  # 4x4 windows: no resizing
    source = window_file(tmp_path, [img], [[fg, bg]])
    net = window_net(tmp_path, source, 4, 'fg_fraction: 0.5 scale: 0.5')
    net.forward()
    data, label = net.blobs['data'].data, net.blobs['label'].data
    np.testing.assert_array_equal(label, [0, 0, 3, 3])
    want_bg = chw(img)[:, 5:9, 6:10] * 0.5
    want_fg = chw(img)[:, 1:5, 2:6] * 0.5
    for i in range(2):
        np.testing.assert_array_equal(data[i], want_bg)
        np.testing.assert_array_equal(data[2 + i], want_fg)


def test_mirror_and_mean_value(tmp_path):
    img = random_images(1, 8, 8, seed=2)[0]
    source = window_file(tmp_path, [img], [[(1, 1.0, 1, 2, 4, 5), (2, 0.0, 0, 0, 3, 3)]])
    caffe.set_random_seed(5)
    net = window_net(tmp_path, source, 4, 'fg_fraction: 1', 'mirror: true mean_value: 10 '
                     'mean_value: 20 mean_value: 30')
    crop = chw(img)[:, 2:6, 1:5] - np.array([10.0, 20, 30])[:, None, None]
    seen = set()
    for _ in range(5):
        net.forward()
        for item in net.blobs['data'].data:
            if np.array_equal(item, crop):
                seen.add('plain')
            else:
                np.testing.assert_array_equal(item, crop[:, :, ::-1])
                seen.add('mirrored')
    assert seen == {'plain', 'mirrored'}
    np.testing.assert_array_equal(net.blobs['label'].data, 1)


@pytest.mark.parametrize('mode', ['warp', 'square'])
def test_context_padding_outside_the_image(tmp_path, mode):
    img = np.full((20, 20, 3), 200, np.uint8)
    x1, y1, x2, y2 = 0, 2, 9, 7  # a 10 x 6 window at the left edge
    source = window_file(tmp_path, [img], [[(1, 1.0, x1, y1, x2, y2)]])
    crop, pad = 16, 2
    net = window_net(tmp_path, source, crop, f'fg_fraction: 1 context_pad: {pad} crop_mode: "{mode}"')
    net.forward()
    item = net.blobs['data'].data[0, 0]
    # BVLC's rule: grow the window by crop / (crop - 2 pad) about its centre; the part
    # outside the image, scaled like the window, is left zero.
    s = crop / (crop - 2 * pad)
    hw, hh = (x2 - x1 + 1) / 2, (y2 - y1 + 1) / 2
    cx, cy = x1 + hw, y1 + hh
    if mode == 'square':
        hw = hh = max(hw, hh)
    ex1, ex2 = round(cx - hw * s), round(cx + hw * s)
    ey1, ey2 = round(cy - hh * s), round(cy + hh * s)
    left = round(max(0, -ex1) * crop / (ex2 - ex1 + 1))
    top = round(max(0, -ey1) * crop / (ey2 - ey1 + 1))
    width = round((min(ex2, 19) - max(ex1, 0) + 1) * crop / (ex2 - ex1 + 1))
    height = round((min(ey2, 19) - max(ey1, 0) + 1) * crop / (ey2 - ey1 + 1))
    assert left > 0
    want = np.zeros((crop, crop))
    want[top:top + height, left:left + width] = 200
    np.testing.assert_array_equal(item, want)


def test_window_file_errors(tmp_path):
    img = random_images(1, 6, 6, seed=3)[0]
    source = window_file(tmp_path, [img], [[(0, 0.9, 0, 0, 2, 2)]])
    with pytest.raises(caffe.ParseError, match=r"WindowData.*foreground window 0 of image 0 has class 0"):
        window_net(tmp_path, source, 3)
    source = window_file(tmp_path, [img], [[(2, 0.9, 0, 0, 2, 2)]])
    with pytest.raises(caffe.ShapeError, match=r"WindowData.*no background windows"):
        window_net(tmp_path, source, 3)
    with pytest.raises(caffe.FileError, match=r"WindowData.*cannot open the window file"):
        window_net(tmp_path, tmp_path / 'missing.txt', 3)
