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
own). --data DIR makes (or reuses) the data in DIR instead of data/documents; the run then
trains a copy of the net reading DIR (output/train_test.prototxt). Everything runs on the
CPU on every core (--threads, else OMP_NUM_THREADS).
"""
import argparse
import os
import sys
import time

os.environ['CAFFE_EXAMPLE_SCRIPT'] = '1'
import doc_common as common  # noqa: E402

MODEL = 'document_orientation'
WHAT = 'theta, 6 numbers'       # its row in the table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_arguments(parser, out=os.path.join(common.HERE, 'output'))
    args = common.parse_args(parser, argv)
    start = time.time()
    data_times = common.make_data(args.train_docs, args.test_docs, args.samples,
                                  workers=args.workers, quiet=args.quiet, data=args.data,
                                  landscape=args.landscape)
    for step, seconds in data_times.items():
        print(f'{step}: {seconds:.0f} s')
    run = common.train_run(MODEL, args)
    summary, fig = common.evaluate(MODEL, args, run, 'theta_pred',
                                   angles=common.annotations.theta_angle, thetas=lambda t: t)
    result = common.results(MODEL, args, run, summary, 'affine (6 numbers)',
                            data_seconds=data_times)
    common.report(args, result, [common.run_row(result, WHAT)], fig, start, within5=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
