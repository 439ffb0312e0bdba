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
   net (its row from examples/document_orientation/output/results.json, when that example
   has run; --with-affine trains it here first), 5. draws the figure (output/figure.png).
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
    parser.add_argument('--train-docs', type=int, default=2000)
    parser.add_argument('--test-docs', type=int, default=200)
    parser.add_argument('--samples', type=int, default=25, help='crops per training document')
    parser.add_argument('--iters', type=int, help="training iterations (default: the solver's)")
    parser.add_argument('--threads', type=int, help='OMP_NUM_THREADS for training')
    parser.add_argument('--workers', type=int, help='processes making the data')
    parser.add_argument('--with-affine', action='store_true',
                        help='first run examples/document_orientation/run.py (same options)')
    parser.add_argument('--out', default=os.path.join(HERE, 'output'))
    parser.add_argument('--quiet', action='store_true', help='no progress bars')
    args = parser.parse_args(argv)
    start = time.time()
    shared = ['--train-docs', str(args.train_docs), '--test-docs', str(args.test_docs),
              '--samples', str(args.samples)] + \
        (['--iters', str(args.iters)] if args.iters else []) + \
        (['--threads', str(args.threads)] if args.threads else []) + \
        (['--workers', str(args.workers)] if args.workers else []) + \
        (['--quiet'] if args.quiet else [])
    if args.with_affine:
        orientation = common._load(os.path.join(ORIENTATION, 'run.py'), 'orientation_run')
        orientation.main(shared)
    common.make_data(args.train_docs, args.test_docs, args.samples, workers=args.workers,
                     quiet=args.quiet)
    fields = {}
    if args.iters:   # the learning rate drops at 2/3 and 11/12; a test and a snapshot each 1/6
        fields = dict(max_iter=args.iters, snapshot=max(args.iters // 6, 1),
                      test_interval=max(args.iters // 6, 1),
                      stepvalue=[args.iters * 2 // 3, args.iters * 11 // 12])
    solver_path, solver = common.write_solver(MODEL, args.out, **fields)
    log_path = os.path.join(args.out, 'train.log')
    print(f'training {MODEL} for {solver.max_iter} iterations (log: {common.rel(log_path)})')
    seconds = common.train(solver_path, solver.max_iter, log_path, MODEL, threads=args.threads,
                           quiet=args.quiet)

    weights = os.path.join(args.out, f'{MODEL}_iter_{solver.max_iter}.caffemodel')
    images, labels = common.test_crops()
    beta, straight = common.predict(MODEL, weights, images, 'beta_pred')
    _, summary = common.errors(180.0 * beta[:, 0], labels['angle'])
    size = images.shape[-1]
    frames = [common.annotations.theta_corners(rotation_theta(b), size, (size, size))
              for b in beta[:, 0]]
    title = (f'{MODEL}: median orientation error {summary["median"]:.2f} deg on '
             f'{summary["n"]} held-out crops, {solver.max_iter} iterations '
             f'({seconds / 60:.1f} min); the frame is the crop turned by the predicted angle')
    fig = common.figure(os.path.join(args.out, 'figure.png'), labels, images, straight,
                        frames, title)
    results = dict(model=MODEL, summary=summary, train_minutes=seconds / 60,
                   iterations=solver.max_iter, threads=args.threads,
                   transform='rotation (1 number)')
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    print(common.TABLE_HEAD)
    affine = os.path.join(ORIENTATION, 'output', 'results.json')
    if os.path.exists(affine):
        with open(affine) as f:
            other = json.load(f)
        print(common.table_row(f'{other["model"]} (theta, 6 numbers)', other['summary'],
                               other['train_minutes'], other['iterations']))
    print(common.table_row(f'{MODEL} (rotation, 1 number)', summary, seconds / 60,
                           solver.max_iter))
    print(f'median orientation error: {summary["median"]:.2f} degrees')
    print(f'figure: {common.rel(fig)}; total {(time.time() - start) / 60:.1f} min')
    return 0


if __name__ == '__main__':
    sys.exit(main())
