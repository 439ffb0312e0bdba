"""Helpers for the data-layer tests: small PNG data sets, list files, and nets with one
data layer."""
import os

import numpy as np
import skimage.io

import caffe


def random_images(n, h=6, w=5, channels=3, seed=0):
    """n uint8 images shaped (h, w, 3) RGB or (h, w) gray."""
    rng = np.random.RandomState(seed)
    shape = (n, h, w, channels) if channels == 3 else (n, h, w)
    return rng.randint(0, 256, size=shape).astype(np.uint8)


def write_pngs(folder, images, names=None):
    """Writes the images as PNGs; returns their paths relative to folder."""
    os.makedirs(folder, exist_ok=True)
    names = names or [f'img{i:03d}.png' for i in range(len(images))]
    for name, img in zip(names, images):
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        skimage.io.imsave(path, img, check_contrast=False)
    return names


def write_list(path, names, labels):
    with open(path, 'w') as f:
        for name, label in zip(names, labels):
            f.write(f'{name} {label}\n')
    return str(path)


def as_caffe(images):
    """RGB (n, h, w, 3) or gray (n, h, w) uint8 -> what the layers output before any
    transformation: float (n, c, h, w), BGR channel order (as OpenCV decodes)."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 3:
        return images[:, np.newaxis]
    return images[..., ::-1].transpose(0, 3, 1, 2)


def data_net(tmp_path, layer_type, param_text, transform='', phase=caffe.TEST, tops=('data', 'label'),
             dtype=np.float32):
    """A net holding one data layer with the given *_param text and transform_param body."""
    top_lines = ' '.join(f'top: "{t}"' for t in tops)
    text = (f'name: "data_test"\nlayer {{ name: "data" type: "{layer_type}" {top_lines}\n'
            f'  {param_text}\n')
    if transform:
        text += f'  transform_param {{ {transform} }}\n'
    text += '}\n'
    path = os.path.join(str(tmp_path), f'net_{abs(hash(text))}.prototxt')
    with open(path, 'w') as f:
        f.write(text)
    return caffe.Net(path, phase, dtype=dtype)


def image_data_net(tmp_path, source, batch_size, extra='', **kw):
    return data_net(tmp_path, 'ImageData',
                    f'image_data_param {{ source: "{source}" batch_size: {batch_size} {extra} }}',
                    **kw)
