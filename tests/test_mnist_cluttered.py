"""caffe.datasets.cluttered (DeepMind's mnist-cluttered generator) and
tools/mnist_cluttered.py: reproducibility, shapes and range, where the digit may land,
and the distractors' count, size and content, checked on constructed source digits."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from caffe.datasets import cluttered
from conftest import ROOT, require_tool
from test_mnist_loader import small_set, write_set

TOOL = os.path.join(ROOT, 'tools', 'mnist_cluttered.py')


def random_digits(n=20, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randint(0, 256, (n, 28, 28)).astype(np.uint8), rng.randint(0, 10, n)


def test_presets_are_the_papers_settings():
    assert cluttered.PRESETS['stn60'] == dict(megapatch_w=60, num_dist=4, dist_w=8, border=0)
    assert cluttered.PRESETS['deepmind100'] == dict(megapatch_w=100, num_dist=8, dist_w=8,
                                                    border=0)


def test_same_seed_same_set_other_seed_other_set():
    digits, labels = random_digits()
    a = cluttered.generate(digits, labels, 30, cluttered.PRESETS['stn60'], seed=5)
    b = cluttered.generate(digits, labels, 30, cluttered.PRESETS['stn60'], seed=5)
    c = cluttered.generate(digits, labels, 30, cluttered.PRESETS['stn60'], seed=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize('preset', ['stn60', 'deepmind100'])
def test_shapes_types_and_range(preset):
    digits, labels = random_digits()
    images, out = cluttered.generate(digits, labels, 25, cluttered.PRESETS[preset], seed=1)
    w = cluttered.PRESETS[preset]['megapatch_w']
    assert images.shape == (25, w, w) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    assert images.max() == 1          # random digits overlap and saturate
    assert set(out) <= set(labels)


def test_each_digit_once_per_pass_in_random_order():
    digits = np.zeros((15, 28, 28), np.uint8)
    labels = np.arange(15)
    _, out = cluttered.generate(digits, labels, 45, megapatch_w=28, num_dist=0, seed=3)
    for start in (0, 15, 30):
        assert sorted(out[start:start + 15]) == list(range(15))
    assert list(out[:15]) != list(range(15))


@pytest.mark.parametrize('w,border', [(32, 0), (32, 1), (40, 5), (28, 0)])
def test_digit_lies_inside_the_border_and_every_position_occurs(w, border):
    """A solid digit and no distractors: the canvas holds one 28x28 block of ones whose
    top-left corner ranges over exactly [border, w - 28 - border] in both axes."""
    digits = np.full((1, 28, 28), 255, np.uint8)
    gen = cluttered.Generator(digits, [7], megapatch_w=w, num_dist=0, border=border, seed=0)
    rows, cols = set(), set()
    for _ in range(300):
        canvas, label, (y, x) = gen.example()
        assert label == 7
        ys, xs = np.nonzero(canvas)
        assert (ys.min(), xs.min(), ys.max(), xs.max()) == (y, x, y + 27, x + 27)
        assert canvas.sum() == 28 * 28
        rows.add(int(y))
        cols.add(int(x))
    allowed = set(range(border, w - 28 - border + 1))
    assert rows == allowed and cols == allowed


def test_border_that_does_not_fit_is_refused():
    digits, labels = random_digits()
    with pytest.raises(ValueError, match='border'):
        cluttered.Generator(digits, labels, megapatch_w=40, border=7)
    with pytest.raises(ValueError, match='dist_w'):
        cluttered.Generator(digits, labels, megapatch_w=60, dist_w=29)


@pytest.mark.parametrize('num_dist,dist_w', [(0, 8), (1, 8), (4, 8), (8, 8), (3, 5)])
def test_distractor_count_and_size(num_dist, dist_w):
    """Every source pixel is 1/255, so nothing saturates: the canvas's mass is the digit's
    28*28 pixels plus num_dist crops of dist_w x dist_w."""
    digits = np.ones((5, 28, 28), np.uint8)
    gen = cluttered.Generator(digits, np.zeros(5), megapatch_w=60, num_dist=num_dist,
                              dist_w=dist_w, seed=2)
    for _ in range(20):
        canvas, _, _ = gen.example()
        assert canvas.sum() * 255 == pytest.approx(28 * 28 + num_dist * dist_w ** 2, abs=1e-3)


def test_a_distractor_is_a_crop_of_a_digit_placed_inside_the_canvas():
    """One source digit whose pixels are all distinct (1..50 repeating, no zeros) and one
    distractor: canvas minus the placed digit is a dist_w x dist_w crop of that digit."""
    digit = (1 + np.arange(28 * 28) % 50).reshape(1, 28, 28).astype(np.uint8)
    gen = cluttered.Generator(digit, [3], megapatch_w=50, num_dist=1, dist_w=6, seed=4)
    src = digit[0] / 255.0
    for _ in range(30):
        canvas, _, (y, x) = gen.example()
        rest = canvas.astype(np.float64).copy()
        rest[y:y + 28, x:x + 28] -= src
        ys, xs = np.nonzero(np.abs(rest) > 1e-6)
        assert (ys.max() - ys.min() + 1, xs.max() - xs.min() + 1) == (6, 6)
        patch = rest[ys.min():ys.min() + 6, xs.min():xs.min() + 6]
        matches = [(sy, sx) for sy in range(23) for sx in range(23)
                   if np.allclose(patch, src[sy:sy + 6, sx:sx + 6], atol=1e-6)]
        assert matches


def test_values_are_clamped_to_one():
    digits = np.full((3, 28, 28), 200, np.uint8)
    images, _ = cluttered.generate(digits, [0, 1, 2], 10, megapatch_w=30, num_dist=6,
                                   dist_w=8, seed=0)
    assert images.max() == 1.0 and images.min() >= 0
    # 200/255 + anything overlapping must saturate at exactly 1.
    assert np.all(np.isin(np.round(images * 255), [0, 200, 255]))


def test_to_uint8_rounds():
    np.testing.assert_array_equal(cluttered.to_uint8(np.array([0, 0.5, 1.0, 1.2, -1])),
                                  [0, 128, 255, 255, 0])


# ---- the command-line tool ----------------------------------------------------------------
def run_tool(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True,
                          timeout=120)


def assert_set_is_generated(out, data, params, n_train, n_test, seed):
    """out's list files and PNGs are the images the library makes with the tool's seeds
    (train: 2*seed, test: 2*seed+1), in order."""
    from PIL import Image
    for split, n, offset in (('train', n_train, 0), ('test', n_test, 1)):
        images, labels = cluttered.generate(*data[split], n, params, seed=2 * seed + offset)
        lines = (out / f'{split}.txt').read_text().splitlines()
        assert len(lines) == n
        for i, line in enumerate(lines):
            path, label = line.split()
            assert path == f'{split}/{labels[i]}/{i:06d}.png' and int(label) == labels[i]
            png = np.array(Image.open(out / path))
            np.testing.assert_array_equal(png, cluttered.to_uint8(images[i]))


def test_tool_writes_pngs_list_files_and_an_lmdb(tmp_path):
    import caffe
    from PIL import Image
    require_tool('convert_imageset')
    data = small_set(n_train=30, n_test=10)
    write_set(tmp_path / 'mnist', data, gz=[('train', 'images')])
    out = tmp_path / 'set'
    args = [str(out), '--mnist-dir', str(tmp_path / 'mnist'), '--no-check', '--train', '24',
            '--test', '7', '--megapatch-w', '40', '--num-dist', '3', '--seed', '9']
    result = run_tool(*args, '--lmdb')
    assert result.returncode == 0, result.stderr
    params = json.loads((out / 'params.json').read_text())
    assert params == dict(megapatch_w=40, num_dist=3, dist_w=8, border=0, train=24, test=7,
                          seed=9)
    assert_set_is_generated(out, data, dict(megapatch_w=40, num_dist=3), 24, 7, seed=9)
    # The LMDB holds the same pixels, read by a Data layer.
    net_file = tmp_path / 'read.prototxt'
    net_file.write_text(f'''layer {{ name: "d" type: "Data" top: "data" top: "label"
      data_param {{ source: "{out / 'test_lmdb'}" backend: LMDB batch_size: 7 }} }}''')
    net = caffe.Net(str(net_file), caffe.TEST)
    net.forward()
    first = np.array(Image.open(out / (out / 'test.txt').read_text().split()[0]))
    np.testing.assert_array_equal(net.blobs['data'].data[0, 0], first)
    # A second run with the same parameters keeps the set.
    stamp = os.path.getmtime(out / 'train.txt')
    result = run_tool(*args)
    assert result.returncode == 0 and 'already holds this set' in result.stdout
    assert os.path.getmtime(out / 'train.txt') == stamp


def test_tool_reports_bad_parameters_in_one_line(tmp_path):
    result = run_tool(str(tmp_path / 'x'), '--megapatch-w', '30', '--border', '2')
    assert result.returncode == 1
    assert result.stderr.startswith('mnist_cluttered: border=2')
    assert not (tmp_path / 'x').exists()
    # counts are checked on the command line, before anything is read or written
    for flag, value in (('--train', '-5'), ('--test', 'ten')):
        result = run_tool(str(tmp_path / 'x'), flag, value)
        assert result.returncode == 2
        assert f"argument {flag}: '{value}' is not a whole number >= 0" in result.stderr
        assert not (tmp_path / 'x').exists()


def tool_in_chunks_of_5(tmp_path, monkeypatch):
    """tools/mnist_cluttered.py as a module, writing 5 images at a time, and a small MNIST
    written to tmp_path/mnist."""
    sys.path.insert(0, os.path.dirname(TOOL))
    try:
        import mnist_cluttered as tool
    finally:
        sys.path.remove(os.path.dirname(TOOL))
    data = small_set(n_train=30, n_test=10)
    write_set(tmp_path / 'mnist', data)
    monkeypatch.setattr(tool, 'CHUNK', 5)
    return tool, data


def test_tool_writes_a_large_set_in_chunks_with_the_same_images(tmp_path, monkeypatch):
    """make() generates and writes CHUNK images at a time (bounded memory for 300,000
    canvases of 100x100); the chunks continue one generator, so the set is the one a single
    batch gives, numbered and listed without a gap or a repeat at the chunk borders."""
    tool, data = tool_in_chunks_of_5(tmp_path, monkeypatch)
    params = dict(megapatch_w=36, num_dist=2, dist_w=8, border=0)
    out = tmp_path / 'set'
    tool.make(str(out), params, 23, 10, seed=4, mnist_dir=str(tmp_path / 'mnist'), quiet=True,
              check=False, log=lambda *a: None)
    assert_set_is_generated(out, data, params, 23, 10, seed=4)


def test_an_interrupted_remake_is_not_taken_for_a_whole_set(tmp_path, monkeypatch):
    """The set's record (params.json) goes before a set is written over and comes back only
    once it is whole: a remake with other parameters that stops half-way leaves a folder
    that a later run with the first parameters makes again instead of keeping."""
    tool, data = tool_in_chunks_of_5(tmp_path, monkeypatch)
    first = dict(megapatch_w=36, num_dist=2, dist_w=8, border=0)
    out = tmp_path / 'set'
    kw = dict(mnist_dir=str(tmp_path / 'mnist'), quiet=True, check=False, seed=4)
    tool.make(str(out), first, 12, 6, log=lambda *a: None, **kw)
    real_write = tool.write_split
    written = []

    def write_then_fail(*args, **kwargs):
        if written:
            raise KeyboardInterrupt('stopped')
        written.append(1)
        return real_write(*args, **kwargs)
    monkeypatch.setattr(tool, 'write_split', write_then_fail)
    with pytest.raises(KeyboardInterrupt):
        tool.make(str(out), dict(first, num_dist=3), 12, 6, log=lambda *a: None, **kw)
    assert not (out / 'params.json').exists()
    monkeypatch.setattr(tool, 'write_split', real_write)
    said = []
    tool.make(str(out), first, 12, 6, log=said.append, **kw)
    assert not any('already holds' in line for line in said)
    assert_set_is_generated(out, data, first, 12, 6, seed=4)
    tool.make(str(out), first, 12, 6, log=said.append, **kw)
    assert 'already holds' in said[-1]
