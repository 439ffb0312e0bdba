"""caffe.Classifier: image classification with a deploy net, as in BVLC pycaffe.

    clf = caffe.Classifier('deploy.prototxt', 'weights.caffemodel',
                           image_dims=(256, 256), mean=np.array([104, 117, 123]),
                           raw_scale=255, channel_swap=(2, 1, 0))
    probs = clf.predict([caffe.io.load_image('cat.jpg')])      # (1, classes)

Images are H x W x K arrays as caffe.io.load_image returns them (RGB in [0, 1]). predict
resizes each to image_dims, then takes the ten crops of caffe.io.oversample (corners,
centre and their mirrors) of the net's input size and averages their predictions, or,
with oversample=False, the centre crop alone.
"""
import numpy as np

from . import io
from ._caffe import TEST
from .pycaffe import Net


def make_transformer(net, mean=None, input_scale=None, raw_scale=None, channel_swap=None):
    """A caffe.io.Transformer for the net's first input: H x W x K -> K x H x W, then the
    channel swap, raw scale, mean and input scale that are given."""
    in_ = net.inputs[0]
    transformer = io.Transformer({in_: net.blobs[in_].data.shape})
    transformer.set_transpose(in_, (2, 0, 1))
    if mean is not None:
        transformer.set_mean(in_, mean)
    if input_scale is not None:
        transformer.set_input_scale(in_, input_scale)
    if raw_scale is not None:
        transformer.set_raw_scale(in_, raw_scale)
    if channel_swap is not None:
        transformer.set_channel_swap(in_, channel_swap)
    return transformer


class Classifier(Net):
    """A TEST-phase Net with image preprocessing and a predict() method."""

    def __init__(self, model_file, pretrained_file, image_dims=None, mean=None,
                 input_scale=None, raw_scale=None, channel_swap=None, **net_kwargs):
        super().__init__(model_file, pretrained_file, TEST, **net_kwargs)
        if len(self.inputs) != 1:
            raise ValueError(f'Classifier needs a net with one input, this one has {self.inputs}')
        in_ = self.inputs[0]
        self.transformer = make_transformer(self, mean, input_scale, raw_scale, channel_swap)
        self.crop_dims = np.array(self.blobs[in_].data.shape[2:])
        self.image_dims = self.crop_dims if image_dims is None else np.array(image_dims)

    def predict(self, inputs, oversample=True):
        """Class scores of the net's first output for each image: an (N, classes) array."""
        inputs = list(inputs)
        if not inputs:
            raise ValueError('predict() needs at least one image')
        h, w = (int(d) for d in self.image_dims)
        resized = np.zeros((len(inputs), h, w, inputs[0].shape[2]), dtype=np.float32)
        for i, image in enumerate(inputs):
            resized[i] = io.resize_image(image, (h, w))
        if oversample:
            crops = io.oversample(resized, self.crop_dims)
        else:
            top = (self.image_dims - self.crop_dims) // 2
            y0, x0 = (int(t) for t in top)
            ch, cw = (int(d) for d in self.crop_dims)
            crops = resized[:, y0:y0 + ch, x0:x0 + cw, :]
        in_ = self.inputs[0]
        data = np.asarray([self.transformer.preprocess(in_, c) for c in crops], dtype=self.dtype)
        out = self.forward_all(**{in_: data})
        predictions = out[self.outputs[0]]
        if oversample:
            predictions = predictions.reshape((len(inputs), 10) + predictions.shape[1:]).mean(1)
        return predictions
