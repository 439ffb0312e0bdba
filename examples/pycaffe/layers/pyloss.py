"""A loss written in Python: the Euclidean loss as a caffe.Layer, the layer that BVLC's
examples/pycaffe/linreg.prototxt names (python_param { module: 'pyloss'
layer: 'EuclideanLossLayer' }).

    loss = sum((x - y) ** 2) / (2 N)      for bottoms x, y of N items each

Put this folder on PYTHONPATH to use it, from pycaffe or from the `caffe` command:

    PYTHONPATH=examples/pycaffe/layers caffe train -solver=linreg_solver.prototxt
"""
import numpy as np

import caffe


class EuclideanLossLayer(caffe.Layer):
    def setup(self, bottom, top):
        if len(bottom) != 2:
            raise ValueError(f'EuclideanLossLayer needs two bottoms, got {len(bottom)}')

    def reshape(self, bottom, top):
        if bottom[0].count != bottom[1].count:
            raise ValueError(f'the bottoms differ in size: {bottom[0].data.shape} '
                             f'and {bottom[1].data.shape}')
        self.diff = np.zeros_like(bottom[0].data)
        top[0].reshape(1)  # the loss: one value

    def forward(self, bottom, top):
        self.diff[...] = bottom[0].data - bottom[1].data
        top[0].data[...] = np.sum(self.diff ** 2) / bottom[0].num / 2.0

    def backward(self, top, propagate_down, bottom):
        # d loss / d x = (x - y) / N, d loss / d y = -(x - y) / N, times the top's weight.
        for i, sign in ((0, 1.0), (1, -1.0)):
            if propagate_down[i]:
                bottom[i].diff[...] = sign * self.diff * top[0].diff[0] / bottom[i].num
