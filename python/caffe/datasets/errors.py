"""The one exception type of caffe.datasets."""


class DatasetError(IOError):
    """A data-set file is missing, truncated or corrupt, or no source could provide it.
    The message names the file (or the sources tried) and what was wrong."""
