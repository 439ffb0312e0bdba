#!/usr/bin/env python3
"""Classify images with a deploy net and trained weights (caffe.Classifier), as BVLC's
python/classify.py; writes the class scores as a .npy array of shape (images, classes).

    python3 tools/classify.py INPUT OUTPUT.npy --model_def deploy.prototxt
        --pretrained_model weights.caffemodel [--mean_file mean.npy | --mean_value 104,117,123]
        [--images_dim 256,256] [--raw_scale 255] [--channel_swap 2,1,0] [--center_only]
        [--input_scale S] [--ext jpg] [--gpu] [--labels labels.txt]

INPUT is an image file, a folder of images with extension --ext, or a .npy array of
H x W x K images. With --labels (one class name per line) the top classes of each image
are printed.
"""
import argparse
import glob
import os
import sys
import time

import numpy as np

import caffe


def _ints(text):
    return [int(v) for v in text.split(',')] if text else None


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('input_file', help='image, folder of images, or .npy of images')
    p.add_argument('output_file', help='.npy file for the predictions')
    p.add_argument('--model_def', required=True, help='deploy prototxt')
    p.add_argument('--pretrained_model', required=True, help='trained .caffemodel')
    p.add_argument('--gpu', action='store_true', help='run on the GPU')
    p.add_argument('--center_only', action='store_true',
                   help='classify the centre crop only instead of ten crops')
    p.add_argument('--images_dim', default=None,
                   help='H,W the images are resized to before cropping (default: the input size)')
    p.add_argument('--mean_file', default=None,
                   help='.npy of the K x H x W (or K) mean to subtract')
    p.add_argument('--mean_value', default=None, help='per-channel mean, e.g. 104,117,123')
    p.add_argument('--input_scale', type=float, default=None,
                   help='multiply the input by this after mean subtraction')
    p.add_argument('--raw_scale', type=float, default=255.0,
                   help='multiply the [0, 1] images by this before mean subtraction')
    p.add_argument('--channel_swap', default='2,1,0',
                   help='channel order for the net (RGB -> BGR by default; "" keeps RGB)')
    p.add_argument('--ext', default='jpg', help='extension of the images in a folder')
    p.add_argument('--labels', default=None, help='text file of class names, one a line')
    return p.parse_args(argv)


def load_inputs(path, ext):
    if path.endswith('.npy'):
        return list(np.load(path))
    if os.path.isdir(path):
        files = sorted(glob.glob(os.path.join(path, '*.' + ext)))
        if not files:
            raise ValueError(f'no *.{ext} images in {path}')
        return [caffe.io.load_image(f) for f in files]
    return [caffe.io.load_image(path)]


def main(argv=None):
    args = parse_args(argv)
    if args.gpu:
        caffe.set_mode_gpu()
    else:
        caffe.set_mode_cpu()
    mean = None
    if args.mean_file:
        mean = np.load(args.mean_file)
        if mean.ndim == 3:  # K x H x W: its per-channel average, as BVLC's script does
            mean = mean.mean(1).mean(1)
    elif args.mean_value:
        mean = np.array([float(v) for v in args.mean_value.split(',')])
    try:
        classifier = caffe.Classifier(
            args.model_def, args.pretrained_model,
            image_dims=_ints(args.images_dim), mean=mean, input_scale=args.input_scale,
            raw_scale=args.raw_scale, channel_swap=_ints(args.channel_swap))
        inputs = load_inputs(args.input_file, args.ext)
        print(f'Classifying {len(inputs)} inputs.')
        start = time.time()
        predictions = classifier.predict(inputs, not args.center_only)
        print(f'Done in {time.time() - start:.2f} s.')
    except (OSError, ValueError, caffe.CaffeError) as e:
        print(f'classify: {e}', file=sys.stderr)
        return 1
    np.save(args.output_file, predictions)
    print(f'Saved {predictions.shape} predictions to {args.output_file}')
    if args.labels:
        with open(args.labels) as f:
            names = [line.strip() for line in f]
        for i, scores in enumerate(predictions):
            top = np.argsort(scores)[::-1][:5]
            print(f'{i}: ' + ', '.join(f'{names[k]} ({scores[k]:.3f})' for k in top))
    return 0


if __name__ == '__main__':
    sys.exit(main())
