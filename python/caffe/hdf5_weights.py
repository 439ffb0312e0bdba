"""Net weights in HDF5 files, laid out as BVLC Caffe's Net::ToHDF5 writes them:

    /data/<layer name>/<i>    the i-th parameter blob of that layer, in the blob's shape
    /diff/<layer name>/<i>    its gradient (only when written with write_diff)

Every layer gets a group (empty for layers without parameters); a blob that shares another
layer's parameter (ParamSpec.name) is written only by its owner, and loading skips it when
the file lacks it. Values are float32 for float nets and float64 for double nets; loading
converts. Uses h5py (pip install h5py). Files are built in memory and written as
snapshots are (`_caffe.write_file_atomically`): a failed or interrupted save leaves an
existing file as it was.
"""
import io

import numpy as np

from . import _caffe


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - scripts/setup installs h5py
        raise ImportError('HDF5 weights need h5py: pip install h5py') from e
    return h5py


def _owners(net):
    """{(layer index, blob index): True when that blob is shared from another layer}."""
    owners = net._net._param_owners
    return {tuple(li): owners[p] != -1 for p, li in enumerate(net._net._param_layer_indices)}


def save(net, filename, write_diff=False):
    h5py = _h5py()
    shared = _owners(net)
    image = io.BytesIO()
    with h5py.File(image, 'w') as f:
        data = f.create_group('data')
        diff = f.create_group('diff') if write_diff else None
        for i, (name, layer) in enumerate(zip(net._layer_names, net._net.layers)):
            layer_data = data.create_group(name)
            layer_diff = diff.create_group(name) if diff is not None else None
            for j, blob in enumerate(layer.blobs):
                if not shared.get((i, j), False):
                    layer_data.create_dataset(str(j), data=blob.data)
                if layer_diff is not None:
                    layer_diff.create_dataset(str(j), data=blob.diff)
    _caffe.write_file_atomically(str(filename), image.getvalue())


def load(net, filename):
    h5py = _h5py()
    shared = _owners(net)
    index = {name: i for i, name in enumerate(net._layer_names)}
    layers = net._net.layers
    with h5py.File(filename, 'r') as f:
        if 'data' not in f:
            raise _caffe.FileError(f'{filename}: not a Caffe HDF5 weights file (no /data group)')
        for name, group in f['data'].items():
            if name not in index:
                _caffe.log(f'Ignoring source layer {name}')
                continue
            i = index[name]
            blobs = layers[i].blobs
            if len(group) > len(blobs):
                raise _caffe.ShapeError(f"layer '{name}': {filename} holds {len(group)} "
                                        f"parameter blobs, the net's layer has {len(blobs)}")
            for j, blob in enumerate(blobs):
                key = str(j)
                if key not in group:
                    if shared.get((i, j), False):
                        continue  # a shared blob: its owner's dataset fills it
                    raise _caffe.ShapeError(f"layer '{name}': {filename} has no blob {j} "
                                            f"(it holds {len(group)})")
                values = np.asarray(group[key])
                if values.shape != blob.data.shape and values.size != blob.data.size:
                    raise _caffe.ShapeError(
                        f"layer '{name}' blob {j}: {filename} holds shape {values.shape}, "
                        f"the net's blob has shape {blob.data.shape}")
                blob.data[...] = values.reshape(blob.data.shape)
