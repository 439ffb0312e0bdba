"""Data sets for examples and tools (pure Python + numpy).

    from caffe.datasets import mnist, cluttered, sequence
    (train_x, train_y), (test_x, test_y) = mnist.load()          # uint8 N x 28 x 28, labels
    images, labels = cluttered.generate(train_x, train_y, 1000, cluttered.PRESETS['stn60'])
    images, labels, positions = sequence.generate(train_x, train_y, 1000,
                                                  sequence.PRESETS['sequence3'])
"""
from .errors import DatasetError

__all__ = ['DatasetError']
