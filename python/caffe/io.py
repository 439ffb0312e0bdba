"""caffe.io: loading images, preparing them for a net (Transformer) and converting
between numpy arrays and Caffe's BlobProto / Datum messages. Same interface as BVLC's;
plus DBWriter / read_db, to write and read the LMDB and LevelDB databases that the Data
layer reads (BVLC users did this with the `lmdb` Python package)."""
import numpy as np

from .proto import caffe_pb2


# ---- arrays <-> protobuf messages -------------------------------------------------------
def blobproto_to_array(blob, return_diff=False):
    """BlobProto -> ndarray (float). Reads the N-d `shape` or the legacy 4-D fields."""
    if blob.HasField('shape') or not (blob.HasField('num') or blob.HasField('channels') or
                                      blob.HasField('height') or blob.HasField('width')):
        dims = tuple(blob.shape.dim)
    else:
        dims = (blob.num, blob.channels, blob.height, blob.width)
    if return_diff:
        values = blob.double_diff if len(blob.double_diff) else blob.diff
    else:
        values = blob.double_data if len(blob.double_data) else blob.data
    arr = np.asarray(values, dtype=np.float64 if len(blob.double_data) else np.float32)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f'BlobProto holds {arr.size} values but its shape {dims} needs '
                         f'{int(np.prod(dims))}')
    return arr.reshape(dims)


def array_to_blobproto(arr, diff=None):
    """ndarray (and optionally its diff) -> BlobProto with an N-d shape."""
    arr = np.asarray(arr)
    blob = caffe_pb2.BlobProto()
    blob.shape.dim.extend(arr.shape)
    blob.data.extend(arr.astype(np.float32).flat)
    if diff is not None:
        diff = np.asarray(diff)
        if diff.shape != arr.shape:
            raise ValueError(f'diff shape {diff.shape} differs from data shape {arr.shape}')
        blob.diff.extend(diff.astype(np.float32).flat)
    return blob


def arraylist_to_blobprotovector_str(arraylist):
    """List of ndarrays -> serialized BlobProtoVector."""
    vec = caffe_pb2.BlobProtoVector()
    vec.blobs.extend([array_to_blobproto(arr) for arr in arraylist])
    return vec.SerializeToString()


def blobprotovector_str_to_arraylist(text):
    """Serialized BlobProtoVector -> list of ndarrays."""
    vec = caffe_pb2.BlobProtoVector()
    vec.ParseFromString(text)
    return [blobproto_to_array(blob) for blob in vec.blobs]


def array_to_datum(arr, label=None):
    """3-D array (channels, height, width) -> Datum; uint8 arrays are stored as raw
    bytes, anything else as float_data."""
    arr = np.asarray(arr)
    if arr.ndim != 3:
        raise ValueError(f'array_to_datum needs a 3-D (channels, height, width) array, '
                         f'got shape {arr.shape}')
    datum = caffe_pb2.Datum()
    datum.channels, datum.height, datum.width = arr.shape
    if arr.dtype == np.uint8:
        datum.data = arr.tobytes()
    else:
        datum.float_data.extend(arr.astype(np.float32).flat)
    if label is not None:
        datum.label = int(label)
    return datum


def datum_to_array(datum):
    """Datum -> (channels, height, width) array: uint8 for byte data, else float.
    Encoded (compressed image) datums are decoded with scikit-image."""
    shape = (datum.channels, datum.height, datum.width)
    if datum.encoded:
        import io as _io
        import skimage.io
        img = skimage.io.imread(_io.BytesIO(datum.data))
        if img.ndim == 2:
            img = img[:, :, np.newaxis]
        return img.transpose(2, 0, 1)
    if len(datum.data):
        return np.frombuffer(datum.data, dtype=np.uint8).reshape(shape)
    return np.asarray(datum.float_data, dtype=np.float32).reshape(shape)


# ---- images -----------------------------------------------------------------------------
def load_image(filename, color=True):
    """Loads an image as float32 in [0, 1], shaped (height, width, channels): RGB with
    color=True (gray images are repeated to three channels, alpha dropped), one channel
    with color=False."""
    import skimage.io
    from skimage import img_as_float
    img = img_as_float(skimage.io.imread(filename, as_gray=not color)).astype(np.float32)
    if img.ndim == 2:
        img = img[:, :, np.newaxis]
        if color:
            img = np.tile(img, (1, 1, 3))
    elif img.shape[2] == 4:
        img = img[:, :, :3]
    return img


def resize_image(im, new_dims, interp_order=1):
    """Resizes a (height, width, channels) image to new_dims = (height, width) with
    spline interpolation of the given order, keeping the value range."""
    import skimage.transform
    new_dims = tuple(int(d) for d in new_dims)
    if im.shape[-1] == 1 or im.shape[-1] == 3:
        im_min, im_max = float(im.min()), float(im.max())
        if im_max > im_min:
            std = (im - im_min) / (im_max - im_min)
            out = skimage.transform.resize(std, new_dims, order=interp_order, mode='constant',
                                           anti_aliasing=False)
            out = out * (im_max - im_min) + im_min
        else:
            out = np.empty(new_dims + (im.shape[-1],), dtype=np.float32)
            out.fill(im_min)
    else:
        # Many channels (e.g. features): resize each with the same zoom.
        import scipy.ndimage
        scale = tuple(np.array(new_dims, dtype=float) / np.array(im.shape[:2])) + (1,)
        out = scipy.ndimage.zoom(im, scale, order=interp_order)
    return out.astype(np.float32)


def oversample(images, crop_dims):
    """Ten crops per image: the four corners and the centre, and their mirrors.
    images: iterable of (H, W, K) arrays; returns (10 * N, crop_h, crop_w, K)."""
    im_shape = np.array(images[0].shape)
    crop_dims = np.array(crop_dims)
    im_center = im_shape[:2] / 2.0
    h_indices = (0, im_shape[0] - crop_dims[0])
    w_indices = (0, im_shape[1] - crop_dims[1])
    crops_ix = np.empty((5, 4), dtype=int)
    curr = 0
    for i in h_indices:
        for j in w_indices:
            crops_ix[curr] = (i, j, i + crop_dims[0], j + crop_dims[1])
            curr += 1
    crops_ix[4] = (np.tile(im_center, (1, 2)) +
                   np.concatenate([-crop_dims / 2.0, crop_dims / 2.0])).astype(int)
    crops = np.empty((10 * len(images), crop_dims[0], crop_dims[1], im_shape[-1]), dtype=np.float32)
    ix = 0
    for im in images:
        for y0, x0, y1, x1 in crops_ix:
            crops[ix] = im[y0:y1, x0:x1, :]
            ix += 1
        crops[ix:ix + 5] = crops[ix - 5:ix, :, ::-1, :]  # their mirror images
        ix += 5
    return crops


class Transformer:
    """Turns images as loaded by load_image (H x W x K, RGB, [0, 1]) into net input
    (K x H x W, e.g. BGR in [0, 255] minus a mean) and back.

    Order in preprocess: resize to the input's size, transpose, channel swap, raw scale,
    subtract mean, input scale. deprocess undoes them in reverse order.
    """

    def __init__(self, inputs):
        self.inputs = dict(inputs)
        self.transpose = {}
        self.channel_swap = {}
        self.raw_scale = {}
        self.mean = {}
        self.input_scale = {}

    def _check_input(self, in_):
        if in_ not in self.inputs:
            raise KeyError(f'{in_!r} is not one of the Transformer inputs {list(self.inputs)}')

    def set_transpose(self, in_, order):
        """Order of axes to move to, e.g. (2, 0, 1) for H x W x K -> K x H x W."""
        self._check_input(in_)
        if len(order) != len(self.inputs[in_]) - 1:
            raise ValueError('transpose order needs as many axes as the input has, less the batch')
        self.transpose[in_] = order

    def set_channel_swap(self, in_, order):
        """Reorder channels, e.g. (2, 1, 0) for RGB -> BGR (applied after transpose)."""
        self._check_input(in_)
        if len(order) != self.inputs[in_][1]:
            raise ValueError('channel swap needs as many entries as the input has channels')
        self.channel_swap[in_] = order

    def set_raw_scale(self, in_, scale):
        """Multiply by this before mean subtraction (e.g. 255 for [0, 1] images)."""
        self._check_input(in_)
        self.raw_scale[in_] = scale

    def set_mean(self, in_, mean):
        """Subtract a per-channel mean (K values) or an elementwise mean (K x H x W)."""
        self._check_input(in_)
        mean = np.asarray(mean)
        ms = mean.shape
        if mean.ndim == 1:
            if ms[0] != self.inputs[in_][1]:
                raise ValueError(f'mean has {ms[0]} channels, the input has {self.inputs[in_][1]}')
            mean = mean[:, np.newaxis, np.newaxis]
        else:
            if len(ms) == 2:
                ms = (1,) + ms
            if len(ms) != 3:
                raise ValueError('mean must be K values or a K x H x W array')
            if ms != tuple(self.inputs[in_][1:]):
                raise ValueError(f'mean shape {ms} does not match the input {tuple(self.inputs[in_][1:])}')
        self.mean[in_] = mean

    def set_input_scale(self, in_, scale):
        """Multiply by this after mean subtraction."""
        self._check_input(in_)
        self.input_scale[in_] = scale

    def preprocess(self, in_, data):
        self._check_input(in_)
        caffe_in = np.asarray(data, dtype=np.float32)
        in_dims = tuple(self.inputs[in_][2:])
        if caffe_in.shape[:2] != in_dims:
            caffe_in = resize_image(caffe_in, in_dims)
        if in_ in self.transpose:
            caffe_in = caffe_in.transpose(self.transpose[in_])
        if in_ in self.channel_swap:
            caffe_in = caffe_in[list(self.channel_swap[in_]), :, :]
        if in_ in self.raw_scale:
            caffe_in = caffe_in * self.raw_scale[in_]
        if in_ in self.mean:
            caffe_in = caffe_in - self.mean[in_]
        if in_ in self.input_scale:
            caffe_in = caffe_in * self.input_scale[in_]
        return caffe_in

    def deprocess(self, in_, data):
        """Inverse of preprocess for one item (a leading batch axis of 1 is dropped)."""
        self._check_input(in_)
        decaf_in = np.array(data, dtype=np.float32).squeeze() if np.ndim(data) == 4 else \
            np.array(data, dtype=np.float32)
        if decaf_in.ndim == 2:
            decaf_in = decaf_in[np.newaxis]
        if in_ in self.input_scale:
            decaf_in = decaf_in / self.input_scale[in_]
        if in_ in self.mean:
            decaf_in = decaf_in + self.mean[in_]
        if in_ in self.raw_scale:
            decaf_in = decaf_in / self.raw_scale[in_]
        if in_ in self.channel_swap:
            decaf_in = decaf_in[np.argsort(self.channel_swap[in_]), :, :]
        if in_ in self.transpose:
            decaf_in = decaf_in.transpose(np.argsort(self.transpose[in_]))
        return decaf_in


# ---- record databases (LMDB, LevelDB) ---------------------------------------------------
class DBWriter:
    """Writes a new LMDB (or LevelDB) database of records, e.g. serialized Datums, as
    convert_imageset does; the Data layer reads them in key order. Refuses an existing
    path. Records are buffered and written every `batch` puts and on close:

        with caffe.io.DBWriter('data/x_lmdb') as db:
            db.put(b'%08d' % i, caffe.io.array_to_datum(img, label))   # or bytes
    """

    def __init__(self, path, backend='lmdb', batch=1000):
        from ._caffe import _DBWriter
        self.path, self.batch, self._pending = str(path), int(batch), 0
        self._db = _DBWriter(backend, self.path)

    def put(self, key, value):
        if self._db is None:
            raise ValueError(f'DBWriter for {self.path!r} is closed')
        if isinstance(key, str):
            key = key.encode()
        if isinstance(value, caffe_pb2.Datum):
            value = value.SerializeToString()
        self._db.put(key, value)
        self._pending += 1
        if self._pending >= self.batch:
            self.commit()

    def commit(self):
        if self._db is not None and self._pending:
            self._db.commit()
            self._pending = 0

    def close(self):
        self.commit()
        self._db = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_db(path, backend='lmdb'):
    """Yields (key, value) bytes of every record of an LMDB or LevelDB database, in key
    order; caffe_pb2.Datum.FromString(value) and datum_to_array make arrays of them."""
    from ._caffe import _DBReader
    reader = _DBReader(backend, str(path))
    while reader.valid:
        yield reader.key(), reader.value()
        reader.next()
