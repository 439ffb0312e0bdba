"""Python layers used by the tests (found by python_param { module: "python_layer_defs" }
because tests/ is on sys.path; subprocesses get it through PYTHONPATH)."""
import numpy as np

import caffe


class ScaledProduct(caffe.Layer):
    """top = s * w[c] * x, with s = float(param_str) and one learnable w per channel
    (axis 1), initialised to 1 + c / 10."""

    def setup(self, bottom, top):
        self.s = float(self.param_str or 1)
        channels = bottom[0].data.shape[1]
        self.blobs.add_blob(channels)
        self.blobs[0].data[...] = 1 + np.arange(channels) / 10.0

    def _w(self, ndim):
        return self.blobs[0].data.reshape((1, -1) + (1,) * (ndim - 2))

    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].data.shape)

    def forward(self, bottom, top):
        top[0].data[...] = self.s * self._w(bottom[0].data.ndim) * bottom[0].data

    def backward(self, top, propagate_down, bottom):
        x, dy = bottom[0].data, top[0].diff
        axes = tuple(i for i in range(x.ndim) if i != 1)
        self.blobs[0].diff[...] += self.s * np.sum(dy * x, axis=axes)
        if propagate_down[0]:
            bottom[0].diff[...] = self.s * self._w(x.ndim) * dy


class Phase(caffe.Layer):
    def reshape(self, bottom, top):
        top[0].reshape()

    def forward(self, bottom, top):
        top[0].data[()] = self.phase


class RaiseIn(caffe.Layer):
    """Raises ValueError in the method named by param_str; passes its bottom on otherwise."""

    def _maybe_raise(self, where):
        if self.param_str == where:
            raise ValueError(f'deliberate failure in {where}')
        if self.param_str == f'interrupt {where}':
            raise KeyboardInterrupt

    def setup(self, bottom, top):
        self._maybe_raise('setup')

    def reshape(self, bottom, top):
        self._maybe_raise('reshape')
        top[0].reshape(*bottom[0].data.shape)

    def forward(self, bottom, top):
        self._maybe_raise('forward')
        top[0].data[...] = bottom[0].data

    def backward(self, top, propagate_down, bottom):
        self._maybe_raise('backward')
        bottom[0].diff[...] = top[0].diff


class NoMethods(caffe.Layer):
    """Defines nothing: the base class says what is missing."""
