#!/usr/bin/env python3
"""Which way is up? A GoogLeNet-style net learns the theta that straightens a document:

    python3 examples/document_orientation/run.py

1. makes 2,000 synthetic photographs of documents for training and 200 more, drawn with
   another seed, for testing (tools/make_documents.py; data/documents/train, test), then
   25 crops of each training document and 5 of each test document with rotation noise of
   +-180 degrees, scale and translation noise (tools/extract_annotations.py: 50,000 and
   1,000 crops of 64 x 64 with their theta; data/documents/*_crops). Skipped when the data
   are already there with the same settings;
2. trains models/document_orientation (a small GoogLeNet regressing the 6 numbers of theta
   with EuclideanLoss) with `caffe train`, behind a progress bar;
3. predicts theta for the held-out crops, takes the rotation of each predicted theta and
   prints the orientation errors (median, mean, 90th percentile, share within 5 degrees,
   share turned the wrong way) as a Markdown table row;
4. draws the figure: held-out photographs with the predicted frame (red, thick top edge)
   and the true one (green), each beside its crop and the crop straightened by the
   predicted theta with a SpatialTransformer (output/figure.png).

The results also go to output/results.json (examples/rotation/run.py puts them beside its
own). Everything runs on the CPU on every core (--threads, else OMP_NUM_THREADS).
"""
import argparse
import json
import os
import sys
import time

os.environ['CAFFE_EXAMPLE_SCRIPT'] = '1'
import doc_common as common  # noqa: E402

MODEL = 'document_orientation'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--train-docs', type=int, default=2000)
    parser.add_argument('--test-docs', type=int, default=200)
    parser.add_argument('--samples', type=int, default=25, help='crops per training document')
    parser.add_argument('--iters', type=int, help='training iterations (default: the solver\'s)')
    parser.add_argument('--threads', type=int, help='OMP_NUM_THREADS for training')
    parser.add_argument('--workers', type=int, help='processes making the data')
    parser.add_argument('--out', default=os.path.join(common.HERE, 'output'))
    parser.add_argument('--quiet', action='store_true', help='no progress bars')
    args = parser.parse_args(argv)
    start = time.time()
    data_times = common.make_data(args.train_docs, args.test_docs, args.samples,
                                  workers=args.workers, quiet=args.quiet)
    for step, seconds in data_times.items():
        print(f'{step}: {seconds:.0f} s')

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
    theta, straight = common.predict(MODEL, weights, images, 'theta_pred')
    pred = common.annotations.theta_angle(theta)
    _, summary = common.errors(pred, labels['angle'])
    size = images.shape[-1]
    frames = [common.annotations.theta_corners(t, size, (size, size)) for t in theta]
    title = (f'{MODEL}: median orientation error {summary["median"]:.2f} deg on '
             f'{summary["n"]} held-out crops, {solver.max_iter} iterations '
             f'({seconds / 60:.1f} min)')
    fig = common.figure(os.path.join(args.out, 'figure.png'), labels, images, straight,
                        frames, title)
    results = dict(model=MODEL, summary=summary, train_minutes=seconds / 60,
                   iterations=solver.max_iter, threads=args.threads, data_seconds=data_times,
                   transform='affine (6 numbers)')
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    print(common.TABLE_HEAD)
    print(common.table_row(f'{MODEL} (theta, 6 numbers)', summary, seconds / 60, solver.max_iter))
    print(f'median orientation error: {summary["median"]:.2f} degrees '
          f'({100 * summary["within5"]:.1f}% within 5 degrees)')
    print(f'figure: {common.rel(fig)}; total {(time.time() - start) / 60:.1f} min')
    return 0


if __name__ == '__main__':
    sys.exit(main())
