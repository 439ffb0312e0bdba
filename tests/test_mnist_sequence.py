"""caffe.datasets.sequence (the recurrent spatial transformer paper's mnist_sequence3) and
tools/mnist_sequence.py: reproducibility, shapes and labels, where the digits land, the
distractors' count, size and blending, and the HDF5 files the nets read."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from caffe.datasets import sequence
from conftest import ROOT
from test_mnist_loader import write_set

TOOL = os.path.join(ROOT, 'tools', 'mnist_sequence.py')
NO_CLUTTER = dict(canvas_w=100, num_digits=3, num_dist=0, dist_w=9, max_slope=14)


def marked_digits(n=30, seed=0):
    """n different 28x28 digits, no pixel zero (so a digit's whole square shows), with
    label i for digit i (the generator does not restrict labels to 0..9)."""
    rng = np.random.RandomState(seed)
    return rng.randint(1, 256, (n, 28, 28)).astype(np.uint8), np.arange(n)


def test_preset_is_the_papers_set():
    assert sequence.PRESETS['sequence3'] == dict(canvas_w=100, num_digits=3, num_dist=8, dist_w=9,
                                                 max_slope=14)


def test_same_seed_same_set_other_seed_other_set():
    digits, labels = marked_digits()
    a = sequence.generate(digits, labels, 20, sequence.PRESETS['sequence3'], seed=5)
    b = sequence.generate(digits, labels, 20, sequence.PRESETS['sequence3'], seed=5)
    c = sequence.generate(digits, labels, 20, sequence.PRESETS['sequence3'], seed=6)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[1], c[1])


def test_shapes_types_range_and_labels():
    digits, labels = marked_digits()
    images, out, positions = sequence.generate(digits, labels % 10, 40,
                                               sequence.PRESETS['sequence3'], seed=1)
    assert images.shape == (40, 100, 100) and images.dtype == np.float32
    assert out.shape == (40, 3) and positions.shape == (40, 3, 2)
    assert images.min() >= 0 and images.max() <= 1
    assert set(out.ravel()) <= set(range(10))


def test_digits_are_where_the_positions_say_with_their_labels():
    digits, labels = marked_digits()
    images, out, positions = sequence.generate(digits, labels, 200, NO_CLUTTER, seed=2)
    for img, lab, pos in zip(images, out, positions):
        covered = np.zeros(img.shape, bool)
        for label, (y, x) in zip(lab, pos):
            np.testing.assert_array_equal(img[y:y + 28, x:x + 28], digits[label] / np.float32(255))
            covered[y:y + 28, x:x + 28] = True
        assert not img[~covered].any()         # nothing else on the canvas


def test_placement_side_by_side_on_a_random_slope():
    digits, labels = marked_digits()
    _, _, positions = sequence.generate(digits, labels, 3000, NO_CLUTTER, seed=3)
    rows, cols = positions[..., 0], positions[..., 1]
    # Horizontally: touching, the row of three anywhere that keeps it inside (x0 in 0..16).
    np.testing.assert_array_equal(cols[:, 1] - cols[:, 0], 28)
    np.testing.assert_array_equal(cols[:, 2] - cols[:, 1], 28)
    assert set(cols[:, 0]) == set(range(17))
    # Vertically: inside the canvas, reaching both edges.
    assert rows.min() == 0 and rows.max() == 72
    steps = np.diff(rows, axis=1)
    assert np.abs(steps).max() == 14
    # Where no digit was moved back inside, the two steps are equal (one slope); every
    # slope in -14..14 occurs.
    free = np.all((rows > 0) & (rows < 72), axis=1)
    assert free.sum() > 1000
    np.testing.assert_array_equal(steps[free, 0], steps[free, 1])
    assert set(steps[free, 0]) == set(range(-14, 15))
    # The first row is uniform over the 100 canvas rows before being moved inside: rows at
    # the bottom edge take in the 27 positions 73..99 as well.
    first = rows[:, 0]
    assert 0.2 < np.mean(first == 72) < 0.36
    assert 0.003 < np.mean(first == 40) < 0.02


def test_distractors_cover_each_other_and_add_to_the_digits():
    # Every source pixel is 128: a distractor is a 9x9 square of 128/255. Where distractors
    # overlap (a few hundred pairs do in 300 canvases) they are not summed: the later one
    # covers the earlier. Where one falls on a digit the two add and clamp to 1.
    digits = np.full((5, 28, 28), 128, np.uint8)
    value = np.float32(128 / 255)
    images, _, positions = sequence.generate(digits, np.arange(5), 300,
                                             sequence.PRESETS['sequence3'], seed=4)
    on_a_digit = 0
    for img, pos in zip(images, positions):
        on_digits = np.zeros(img.shape, bool)
        for y, x in pos:
            on_digits[y:y + 28, x:x + 28] = True
        assert set(np.unique(img[~on_digits])) <= {0, value}
        assert set(np.unique(img[on_digits])) <= {value, 1}
        on_a_digit += int(np.any(img[on_digits] == 1))
        # The clutter off the digits is made of whole 9x9 squares, at most 8: every such
        # pixel lies in a 9x9 window lit throughout.
        clutter = (img > 0) & ~on_digits
        lit = img > 0
        windows = np.lib.stride_tricks.sliding_window_view(lit, (9, 9)).all(axis=(2, 3))
        covered = np.zeros(img.shape, bool)
        for y, x in zip(*np.nonzero(windows)):
            covered[y:y + 9, x:x + 9] = True
        assert np.all(covered[clutter])
        assert clutter.sum() <= 8 * 81
    assert on_a_digit > 100


def test_distractors_are_crops_of_the_source_digits():
    # One source digit whose pixels are all lit and differ from their neighbours: a lone
    # distractor (a lit 9x9 square touching nothing else) must be a crop of it.
    from scipy import ndimage
    ramp = (np.arange(28 * 28).reshape(28, 28) % 254 + 1).astype(np.uint8)
    images, _, _ = sequence.generate(ramp[None], [0], 50, sequence.PRESETS['sequence3'], seed=5)
    crops = {ramp[y:y + 9, x:x + 9].tobytes() for y in range(20) for x in range(20)}
    found = 0
    for img in images:
        pixels = np.round(img * 255).astype(np.uint8)
        parts, count = ndimage.label(pixels > 0)
        for i, box in enumerate(ndimage.find_objects(parts), start=1):
            block = pixels[box]
            if block.shape == (9, 9) and np.all(parts[box] == i):
                assert block.tobytes() in crops
                found += 1
    assert found > 100


@pytest.mark.parametrize('params,match', [
    (dict(canvas_w=80), 'num_digits=3'), (dict(num_digits=0), 'num_digits=0'),
    (dict(dist_w=29), 'dist_w=29'), (dict(num_dist=-1), 'num_dist=-1'),
    (dict(max_slope=-2), 'max_slope=-2')])
def test_bad_settings_are_refused(params, match):
    digits, labels = marked_digits(3)
    settings = dict(sequence.PRESETS['sequence3'], **params)
    with pytest.raises(ValueError, match=match):
        sequence.generate(digits, labels, 1, settings)


def small_mnist(tmp_path):
    train, test = marked_digits(40, 1), marked_digits(12, 2)
    folder = tmp_path / 'mnist'
    write_set(folder, {'train': (train[0], (train[1] % 10).astype(np.uint8)),
                       'test': (test[0], (test[1] % 10).astype(np.uint8))})
    return folder


def test_tool_writes_hdf5_files_lists_and_params(tmp_path):
    import h5py
    out = tmp_path / 'set'
    result = subprocess.run([sys.executable, TOOL, str(out), '--train', '25', '--test', '7',
                             '--rows-per-file', '10', '--seed', '3', '--mnist-dir',
                             str(small_mnist(tmp_path)), '--no-check'],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    train = [line.strip() for line in open(out / 'train.txt')]
    assert [os.path.basename(p) for p in train] == ['train_000.h5', 'train_001.h5', 'train_002.h5']
    assert all(os.path.isabs(p) and os.path.isfile(p) for p in train)
    with h5py.File(train[2], 'r') as f:
        assert f['data'].shape == (5, 1, 100, 100) and f['data'].dtype == np.uint8
        assert f['label'].shape == (5, 3) and f['label'].dtype == np.float32
        assert f['positions'].shape == (5, 3, 2)
        np.testing.assert_array_equal(f['cont'][:], np.tile([0, 1, 1], (5, 1)))
        np.testing.assert_array_equal(f['step'][:], np.tile([0, 1, 2], (5, 1)))
    params = json.load(open(out / 'params.json'))
    assert params == dict(sequence.PRESETS['sequence3'], train=25, test=7, seed=3,
                          rows_per_file=10, format=2)
    # The files hold what the generator makes from the same seed (train: seed * 2).
    tool = _load_tool()
    images, labels, positions = tool.read_split(str(out), 'train')
    from caffe.datasets import mnist
    (tx, ty), _ = mnist.load(folder=str(tmp_path / 'mnist'), check=False, log=lambda *a: None)
    want = sequence.generate(tx, ty, 25, sequence.PRESETS['sequence3'], seed=6)
    np.testing.assert_allclose(images, np.round(want[0] * 255) / 255, atol=1e-7)
    np.testing.assert_array_equal(labels, want[1])
    np.testing.assert_array_equal(positions, want[2])
    test_images, _, _ = tool.read_split(str(out), 'test')
    assert test_images.shape == (7, 100, 100)
    # Asked again for the same set, the tool keeps the files.
    stamp = os.path.getmtime(train[0])
    again = subprocess.run([sys.executable, TOOL, str(out), '--train', '25', '--test', '7',
                            '--rows-per-file', '10', '--seed', '3', '--mnist-dir',
                            str(tmp_path / 'mnist'), '--no-check'],
                           capture_output=True, text=True, timeout=120)
    assert 'already holds this set' in again.stdout and os.path.getmtime(train[0]) == stamp


def test_tool_reports_bad_settings(tmp_path):
    result = subprocess.run([sys.executable, TOOL, str(tmp_path / 'x'), '--num-digits', '4'],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert 'mnist_sequence: num_digits=4: 4 digits of 28 pixels side by side must fit in the ' \
           '100-pixel canvas' in result.stderr


def _load_tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location('mnist_sequence', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
