"""caffe.Detector: scores image windows with a deploy net (R-CNN style), as in BVLC pycaffe.

    det = caffe.Detector('deploy.prototxt', 'weights.caffemodel', mean=mean, raw_scale=255,
                         channel_swap=(2, 1, 0), context_pad=16)
    found = det.detect_windows([('image.jpg', [(ymin, xmin, ymax, xmax), ...])])
    # [{'window': ..., 'prediction': scores, 'filename': 'image.jpg'}, ...]

Each window (pixel coordinates, inclusive of ymin/xmin, exclusive of ymax/xmax) is cut out
and warped to the net's input size. With context_pad, the window is first grown so that
the net's input has that many pixels of surrounding context on each side (clipped at the
image border, the part outside filled with the mean), as R-CNN does.
"""
import numpy as np

from . import io
from ._caffe import TEST
from .classifier import make_transformer
from .pycaffe import Net


class Detector(Net):
    def __init__(self, model_file, pretrained_file, mean=None, input_scale=None,
                 raw_scale=None, channel_swap=None, context_pad=None, **net_kwargs):
        super().__init__(model_file, pretrained_file, TEST, **net_kwargs)
        if len(self.inputs) != 1:
            raise ValueError(f'Detector needs a net with one input, this one has {self.inputs}')
        self.transformer = make_transformer(self, mean, input_scale, raw_scale, channel_swap)
        self.configure_crop(context_pad)

    def configure_crop(self, context_pad):
        """Sets the context padding (pixels of the net's input) and the value used outside
        the image: the mean (in image units) when one is set, else 0."""
        self.context_pad = context_pad
        self.crop_mean = None
        in_ = self.inputs[0]
        if context_pad and in_ in self.transformer.mean:
            mean = self.transformer.mean[in_]
            raw_scale = self.transformer.raw_scale.get(in_, 1.0)
            mean = mean / raw_scale
            if in_ in self.transformer.channel_swap:  # back to the image's channel order
                mean = mean[np.argsort(self.transformer.channel_swap[in_])]
            mean = mean.transpose(1, 2, 0)  # K x 1 x 1 (or K x H x W) -> H x W x K
            self.crop_mean = mean if mean.shape[:2] != (1, 1) else mean.reshape(1, 1, -1)

    def crop(self, im, window):
        """The window of image im (H x W x K) with its context, warped to the input size."""
        ymin, xmin, ymax, xmax = (int(round(v)) for v in window)
        in_h, in_w = self.blobs[self.inputs[0]].data.shape[2:]
        if not self.context_pad:
            return io.resize_image(im[ymin:ymax, xmin:xmax], (in_h, in_w))
        # Grow the box so that, once warped to the input size, pad pixels surround it.
        pad = self.context_pad
        box = np.array([ymin, xmin, ymax, xmax], dtype=float)
        centre = np.array([(box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0])
        half = np.array([(box[2] - box[0]) / 2.0, (box[3] - box[1]) / 2.0])
        scale = np.array([in_h / (in_h - 2.0 * pad), in_w / (in_w - 2.0 * pad)])
        half = half * scale
        y0, x0 = np.round(centre - half).astype(int)
        y1, x1 = np.round(centre + half).astype(int)
        out_h, out_w = max(y1 - y0, 1), max(x1 - x0, 1)
        fill = self.crop_mean if self.crop_mean is not None else 0.0
        canvas = np.empty((out_h, out_w, im.shape[2]), dtype=np.float32)
        canvas[...] = fill if np.ndim(fill) != 3 or fill.shape[:2] == (1, 1) else \
            io.resize_image(fill, (out_h, out_w))
        cy0, cx0 = max(y0, 0), max(x0, 0)
        cy1, cx1 = min(y1, im.shape[0]), min(x1, im.shape[1])
        if cy1 > cy0 and cx1 > cx0:
            canvas[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] = im[cy0:cy1, cx0:cx1]
        return io.resize_image(canvas, (in_h, in_w))

    def detect_windows(self, images_windows):
        """images_windows: [(image filename, [window, ...]), ...]. Returns one dict per
        window, in order: {'window', 'prediction' (the net's first output), 'filename'}."""
        in_ = self.inputs[0]
        crops, meta = [], []
        for filename, windows in images_windows:
            image = io.load_image(filename).astype(np.float32)
            for window in windows:
                crops.append(self.transformer.preprocess(in_, self.crop(image, window)))
                meta.append((np.asarray(window), filename))
        if not crops:
            return []
        out = self.forward_all(**{in_: np.asarray(crops, dtype=self.dtype)})
        predictions = out[self.outputs[0]]
        return [{'window': w, 'prediction': p, 'filename': f}
                for (w, f), p in zip(meta, predictions)]

    def detect_selective_search(self, image_fnames):
        raise NotImplementedError('selective search proposals are not part of this pycaffe; '
                                  'compute windows with another tool and call detect_windows')
