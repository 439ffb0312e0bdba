"""caffe.io: image loading and preprocessing (filled in by the data work)."""
