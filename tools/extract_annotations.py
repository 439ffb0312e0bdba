#!/usr/bin/env python3
"""Training crops from oriented-box annotations, with the theta that straightens each one:

    tools/extract_annotations.py ANNOTATIONS.csv OUT [--images DIR] [--samples 25]
        [--size 64] [--rotation 180] [--scale 1.1 1.4] [--translation 0.05]
        [--upright ROWS COLS] [--gray] [--classes classes.txt] [--seed 0] [--workers N]

For every line of ANNOTATIONS.csv (image,class,cx,cy,width,height,angle_degrees: see
docs/documents.md) it cuts --samples square crops around the object with random rotation
noise (uniform in +-rotation degrees), scale noise (the crop's side is max(width, height)
times a factor in --scale) and translation noise (up to --translation of the side), resizes
them to --size pixels and writes

    OUT/crops_lmdb/   the crops as Datums, shuffled, label = class index (a Data layer)
    OUT/labels.h5     theta (N x 6), angle, beta, label, annotation, crop (an HDF5Data layer)
    OUT/labels.txt    the HDF5Data source file naming labels.h5
    OUT/info.json     parameters, counts, classes

theta is the SpatialTransformer's 2x3 matrix (docs/compatibility.md) that maps the crop
back onto the upright object, shown at --upright ROWS COLS (default: the crop size). Row i
of labels.h5 belongs to the i-th record of the LMDB. Image paths in the CSV are relative to
--images (default: the CSV's folder). Uses every core (--workers) and shows a progress
bar; the same seed gives the same output.
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'python'))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('csv', help='annotations (image,class,cx,cy,width,height,angle_degrees)')
    parser.add_argument('out', help='output folder (its crops_lmdb must not exist yet)')
    parser.add_argument('--images', help="folder the CSV's image paths start from "
                        "(default: the CSV's folder)")
    parser.add_argument('--samples', type=int, default=25, help='crops per annotation')
    parser.add_argument('--size', type=int, default=64, help='crop side in pixels')
    parser.add_argument('--rotation', type=float, default=180.0,
                        help='rotation noise: uniform in +-this many degrees')
    parser.add_argument('--scale', type=float, nargs=2, default=(1.1, 1.4), metavar=('LO', 'HI'),
                        help="crop side / the object's longer side, uniform in [LO, HI]")
    parser.add_argument('--translation', type=float, default=0.05,
                        help='centre shift, up to this fraction of the crop side per axis')
    parser.add_argument('--upright', type=int, nargs=2, metavar=('ROWS', 'COLS'),
                        help='output size that theta is computed for (default: SIZE SIZE)')
    parser.add_argument('--gray', action='store_true', help='one grey channel instead of BGR')
    parser.add_argument('--classes', help='class names, one per line, in label order '
                        "(default: classes.txt beside the CSV, else order of appearance)")
    parser.add_argument('--backend', choices=('lmdb', 'leveldb'), default='lmdb')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, help='processes (default: every core)')
    parser.add_argument('--quiet', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)

    import caffe
    from caffe.datasets import annotations, crops
    start = time.time()
    try:
        classes = annotations.read_classes(args.classes) if args.classes else None
        info = crops.write(args.csv, args.out, images_dir=args.images, classes=classes,
                           seed=args.seed, workers=args.workers, quiet=args.quiet,
                           backend=args.backend, size=args.size, samples=args.samples,
                           rotation=args.rotation, scale=tuple(args.scale),
                           translation=args.translation, upright=args.upright,
                           gray=args.gray)
    except (caffe.datasets.DatasetError, caffe.CaffeError, ValueError) as e:
        print(f'extract_annotations.py: {e}', file=sys.stderr)
        return 1
    print(f'wrote {info["samples"]} crops of {info["annotations"]} annotations '
          f'({info["channels"]} x {info["size"]} x {info["size"]}, {len(info["classes"])} '
          f'classes) to {info["lmdb"]} and {info["labels"]} in {time.time() - start:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
