#!/usr/bin/env python3
"""The seed's first experiment: move a cat picture with a SpatialTransformer.

Runs models/st_cat/st_train.prototxt (zoom 2 fixed, theta_1_3 / theta_2_3 free) for nine
diagonal translations, exactly as the seed's pycaffe script does, then
models/st_cat/st_affine.prototxt (all six theta entries free) for rotations and zooms, and
writes one figure:

    python3 examples/cat/cat_demo.py [--gpu] [--out examples/cat/output/cat_grid.png]
"""
import argparse
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, '..', '..', 'models', 'st_cat')


def cat_picture(path):
    """Writes scikit-image's bundled cat photo, centre-cropped and resized to 227x227."""
    import skimage.data
    import skimage.io
    import skimage.transform
    img = skimage.data.chelsea()                      # 300 x 451 RGB
    h, w = img.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = img[top:top + side, left:left + side]
    small = skimage.transform.resize(square, (227, 227), anti_aliasing=True)
    skimage.io.imsave(path, (small * 255).round().astype(np.uint8), check_contrast=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--gpu', action='store_true', help='run the layer on the GPU')
    parser.add_argument('--out', default=os.path.join(HERE, 'output', 'cat_grid.png'))
    args = parser.parse_args()

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import caffe

    if args.gpu:
        caffe.set_mode_gpu()
    else:
        caffe.set_mode_cpu()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    cat_path = os.path.join(os.path.dirname(os.path.abspath(args.out)), 'cat-227.jpg')
    cat_picture(cat_path)

    # --- the seed's script, unchanged apart from the file names -------------------------
    net = caffe.Net(os.path.join(MODELS, 'st_train.prototxt'), caffe.TEST)
    image = caffe.io.load_image(cat_path)
    print([(k, v.data.shape) for k, v in net.blobs.items()])
    transformer = caffe.io.Transformer({'data': net.blobs['data'].data.shape})
    transformer.set_transpose('data', (2, 0, 1))      # move image channels to outermost dimension
    transformer.set_raw_scale('data', 255)            # rescale from [0, 1] to [0, 255]
    transformer.set_channel_swap('data', (2, 1, 0))   # swap channels from RGB to BGR
    transformed_image = transformer.preprocess('data', image)
    net.blobs['data'].data[...] = transformed_image

    fig = plt.figure(figsize=(20, 6.6))
    rows, cols = 3, 10

    def show(index, picture, title):
        ax = fig.add_subplot(rows, cols, index)
        ax.imshow(np.clip(picture, 0, 1))
        ax.set_title(title, fontsize=8)
        ax.axis('off')

    show(1, image, 'input')
    for i in range(9):
        theta_tt = -0.5 + 0.1 * float(i)
        net.blobs['theta'].data[...] = (theta_tt, theta_tt)
        output = net.forward()
        show(i + 2, transformer.deprocess('data', output['transformed']),
             f'zoom 2, t=({theta_tt:.1f}, {theta_tt:.1f})')

    # --- rotations and zooms: all six entries free ----------------------------------------
    affine = caffe.Net(os.path.join(MODELS, 'st_affine.prototxt'), caffe.TEST)
    affine.blobs['data'].data[...] = transformed_image
    for i, degrees in enumerate(range(-180, 180, 40)):
        a = np.deg2rad(degrees)
        affine.blobs['theta'].data[...] = (np.cos(a), -np.sin(a), 0, np.sin(a), np.cos(a), 0)
        out = affine.forward()['transformed']
        show(cols + 2 + i, transformer.deprocess('data', out), f'rotate {degrees} deg')
    show(cols + 1, image, 'input')
    show(2 * cols + 1, image, 'input')
    for i, s in enumerate(np.linspace(0.4, 2.0, 9)):
        affine.blobs['theta'].data[...] = (s, 0, 0, 0, s, 0)
        out = affine.forward()['transformed']
        show(2 * cols + 2 + i, transformer.deprocess('data', out), f'scale theta by {s:.1f}')

    fig.tight_layout()
    fig.savefig(args.out, dpi=80)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
