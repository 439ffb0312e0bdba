#!/usr/bin/env python3
"""Synthetic photographs of documents with their oriented boxes (no download needed):

    tools/make_documents.py OUT [-n 2000] [--seed 0] [--classes letter invoice table form scan]
        [--max-angle 180] [--scan-fraction 0.04] [--landscape-fraction F] [--workers N]

writes OUT/doc_00000.jpg ..., OUT/annotations.csv (image,class,cx,cy,width,height,
angle_degrees: one line per document, see docs/documents.md) and OUT/classes.txt (class
names in label order). Pages are rendered with real fonts (Debian's fonts-dejavu-core and
fonts-liberation) -- letters, invoices, tables, forms, with titles, paragraphs, tables and
figures -- or are scikit-image's scanned samples (class scan), and are placed on
scikit-image's photographs and textures at a random angle (+-max-angle degrees), scale and
position, with a shadow, uneven light, blur and noise. Uses every core (--workers) and
shows a progress bar; the same seed gives the same files. Annotate your own photographs
with tools/annotate/ in the same format; tools/extract_annotations.py makes training crops
from either.
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'python'))


def main(argv=None):
    from caffe.datasets import documents
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out', help='output folder')
    parser.add_argument('-n', type=int, default=2000, help='number of photographs')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--classes', nargs='+', default=list(documents.CLASSES),
                        choices=documents.CLASSES, help='document classes to draw from')
    parser.add_argument('--max-angle', type=float, default=180.0,
                        help='documents turn by up to +-this many degrees')
    parser.add_argument('--scan-fraction', type=float, default=documents.DEFAULTS['scan_fraction'],
                        help="share of scikit-image's scans among the documents")
    parser.add_argument('--landscape-fraction', type=float,
                        help='share of landscape pages (default: only tables, one in three)')
    parser.add_argument('--workers', type=int, help='processes (default: every core)')
    parser.add_argument('--quiet', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error('-n must be at least 1')
    start = time.time()
    try:
        rows = documents.generate(args.out, args.n, seed=args.seed, classes=args.classes,
                                  workers=args.workers, quiet=args.quiet,
                                  max_angle=args.max_angle, scan_fraction=args.scan_fraction,
                                  landscape_fraction=args.landscape_fraction)
    except (documents.DatasetError, ValueError) as e:
        print(f'make_documents.py: {e}', file=sys.stderr)
        return 1
    print(f'wrote {len(rows)} document(s) to {os.path.join(args.out, "annotations.csv")} '
          f'in {time.time() - start:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
