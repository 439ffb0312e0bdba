#!/usr/bin/env python3
"""A rotation-only spatial transformer: the document orientation task with one angle per
sample instead of 6 numbers:

    python3 examples/rotation/run.py

The net (models/document_rotation) is the trunk of examples/document_orientation with one
output, beta (the angle in units of 180 degrees: the "rotation" SpatialTransformer's
parameter). It learns through a SpatialTransformer with transform_type "rotation": the
layer turns a fixed probe image, whose pixels hold their own coordinates, by the predicted
beta and by the true one, and the loss is the distance between the two -- where the two
rotations send the same points, i.e. 1 - cos(angle between them), with no jump at
+-180 degrees (models/generate.py, rotated_probe). The deploy net straightens the crop with
the same layer.

1. makes the data of examples/document_orientation (or reuses it: same folders, same
   settings), 2. trains with `caffe train` (progress bar), 3. measures the orientation
   errors on the held-out crops, 4. prints a table with this net beside the 6-parameter
   net (its row from examples/document_orientation/output/results.json -- or from
   --affine-out -- when that example has run; --with-affine trains it there first),
   5. draws the figure (output/figure.png).

--data DIR: the data folder (default data/documents), as in examples/document_orientation.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ORIENTATION = os.path.join(os.path.dirname(HERE), 'document_orientation')
sys.path.insert(0, ORIENTATION)
os.environ['CAFFE_EXAMPLE_SCRIPT'] = '1'
import doc_common as common  # noqa: E402

MODEL = 'document_rotation'


def rotation_theta(beta):
    a = 3.141592653589793 * float(beta)
    import math
    return [[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_arguments(parser, out=os.path.join(HERE, 'output'))
    parser.add_argument('--with-affine', action='store_true',
                        help='first run examples/document_orientation/run.py (same options, '
                             'its output in --affine-out)')
    parser.add_argument('--affine-out', default=os.path.join(ORIENTATION, 'output'),
                        help="the 6-number net's output folder, whose results.json gives the "
                             'row beside this net (default: that example\'s output)')
    args = common.parse_args(parser, argv)
    start = time.time()
    if args.with_affine:
        shared = ['--train-docs', str(args.train_docs), '--test-docs', str(args.test_docs),
                  '--samples', str(args.samples), '--landscape', str(args.landscape),
                  '--data', args.data, '--out', args.affine_out] + \
            (['--iters', str(args.iters)] if args.iters else []) + \
            (['--threads', str(args.threads)] if args.threads else []) + \
            (['--workers', str(args.workers)] if args.workers else []) + \
            (['--quiet'] if args.quiet else [])
        orientation = common._load(os.path.join(ORIENTATION, 'run.py'), 'orientation_run')
        orientation.main(shared)
    common.make_data(args.train_docs, args.test_docs, args.samples, workers=args.workers,
                     quiet=args.quiet, data=args.data, landscape=args.landscape)
    run = common.train_run(MODEL, args)
    summary, fig = common.evaluate(
        MODEL, args, run, 'beta_pred', angles=lambda beta: 180.0 * beta[:, 0],
        thetas=lambda beta: [rotation_theta(b) for b in beta[:, 0]],
        note='; the frame is the crop turned by the predicted angle')
    result = common.results(MODEL, args, run, summary, 'rotation (1 number)')
    rows = []
    affine = os.path.join(os.path.abspath(args.affine_out), 'results.json')
    if os.path.exists(affine):
        with open(affine) as f:
            rows.append(common.run_row(json.load(f), 'theta, 6 numbers'))
    rows.append(common.run_row(result, 'rotation, 1 number'))
    common.report(args, result, rows, fig, start)
    return 0


if __name__ == '__main__':
    sys.exit(main())
