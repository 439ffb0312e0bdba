"""Data sets for examples and tools (pure Python + numpy).

    from caffe.datasets import mnist, cluttered, sequence
    (train_x, train_y), (test_x, test_y) = mnist.load()          # uint8 N x 28 x 28, labels
    images, labels = cluttered.generate(train_x, train_y, 1000, cluttered.PRESETS['stn60'])
    images, labels, positions = sequence.generate(train_x, train_y, 1000,
                                                  sequence.PRESETS['sequence3'])

    from caffe.datasets import documents, crops, annotations
    documents.generate('data/documents/train', 2000, seed=1)      # photographs + annotations.csv
    crops.write('data/documents/train/annotations.csv', 'data/documents/train_crops')

(documents: synthetic photographs of documents, pages: the page layouts, annotations: the
oriented-box CSV and its geometry, crops: training crops with the theta that straightens
them; see docs/documents.md.)
"""
from .errors import DatasetError

__all__ = ['DatasetError']
