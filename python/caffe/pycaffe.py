"""The user-facing Net: BVLC pycaffe's interface over the compiled core.

A Net holds either a float32 or a float64 C++ net (``dtype=``); float64 exists so that
gradient checks can be tight. Blobs are the compiled Blob objects, whose ``.data`` and
``.diff`` are numpy views of the blob memory.
"""
from collections import OrderedDict

import numpy as np

from . import _caffe

_CPP_NETS = {np.dtype(np.float32): _caffe.Net_float32, np.dtype(np.float64): _caffe.Net_float64}
Blob = _caffe.Blob_float32
Layer = _caffe.Layer_float32


def _check_phase(phase):
    if phase not in (_caffe.TRAIN, _caffe.TEST):
        raise ValueError(f'phase must be caffe.TRAIN or caffe.TEST, got {phase!r}')
    return phase


class Net:
    """A network built from a prototxt file.

    Forms accepted (as in BVLC pycaffe)::

        Net(network_file, phase)
        Net(network_file, weights_file, phase)
        Net(network_file, phase, weights=weights_file, level=0, stages=None)

    ``dtype`` (np.float32 by default, or np.float64) selects the element type.
    """

    def __init__(self, network_file, *args, phase=None, weights=None, level=0, stages=None,
                 dtype=np.float32):
        args = list(args)
        if args and isinstance(args[0], (str, bytes)) or (len(args) >= 2):
            if weights is not None:
                raise TypeError('weights given both positionally and by keyword')
            weights = args.pop(0)
        if args:
            if phase is not None:
                raise TypeError('phase given both positionally and by keyword')
            phase = args.pop(0)
        if args:
            raise TypeError('Net(network_file, [weights_file,] phase): too many arguments')
        if phase is None:
            raise TypeError('Net() needs a phase: caffe.TRAIN or caffe.TEST')
        dtype = np.dtype(dtype)
        if dtype not in _CPP_NETS:
            raise TypeError(f'dtype must be float32 or float64, got {dtype}')
        cpp = _CPP_NETS[dtype](str(network_file), _check_phase(phase), level,
                               None if stages is None else list(stages))
        if weights is not None:
            cpp.copy_from(str(weights))
        self._init_from(cpp, dtype)

    @classmethod
    def from_string(cls, text, phase, dtype=np.float32):
        """Builds a net from prototxt text instead of a file."""
        dtype = np.dtype(dtype)
        return cls._wrap(_CPP_NETS[dtype].from_string(text, _check_phase(phase)))

    @classmethod
    def _wrap(cls, cpp):
        """Wraps an existing compiled net (e.g. a solver's) without copying it."""
        net = cls.__new__(cls)
        dtype = np.float64 if isinstance(cpp, _caffe.Net_float64) else np.float32
        net._init_from(cpp, np.dtype(dtype))
        return net

    def _init_from(self, cpp, dtype):
        self._net = cpp
        self.dtype = dtype
        self._blobs_cache = None
        self._params_cache = None

    # ---- structure ---------------------------------------------------------
    @property
    def name(self):
        return self._net.name

    @property
    def phase(self):
        return self._net.phase

    @property
    def blobs(self):
        """OrderedDict of blob name -> Blob, in the order the blobs were created."""
        if self._blobs_cache is None:
            self._blobs_cache = OrderedDict(zip(self._net._blob_names, self._net._blobs))
        return self._blobs_cache

    @property
    def blob_loss_weights(self):
        return OrderedDict(zip(self._net._blob_names, self._net._blob_loss_weights))

    @property
    def layers(self):
        return self._net.layers

    @property
    def _layer_names(self):
        return self._net._layer_names

    @property
    def _blob_names(self):
        return self._net._blob_names

    @property
    def layer_dict(self):
        return OrderedDict(zip(self._net._layer_names, self._net.layers))

    @property
    def params(self):
        """OrderedDict of layer name -> list of parameter Blobs, for layers that have any."""
        if self._params_cache is None:
            self._params_cache = OrderedDict(
                (name, list(layer.blobs))
                for name, layer in zip(self._net._layer_names, self._net.layers) if layer.blobs)
        return self._params_cache

    @property
    def inputs(self):
        return [self._net._blob_names[i] for i in self._net._inputs]

    @property
    def outputs(self):
        return [self._net._blob_names[i] for i in self._net._outputs]

    @property
    def top_names(self):
        return OrderedDict((name, [self._net._blob_names[b] for b in self._net._top_ids(i)])
                           for i, name in enumerate(self._net._layer_names))

    @property
    def bottom_names(self):
        return OrderedDict((name, [self._net._blob_names[b] for b in self._net._bottom_ids(i)])
                           for i, name in enumerate(self._net._layer_names))

    # ---- running -------------------------------------------------------------
    def _layer_index(self, name, what):
        names = list(self._net._layer_names)
        if name not in names:
            raise KeyError(f'{what}={name!r}: the net has no layer of that name')
        return names.index(name)

    def _set_arrays(self, arrays, field):
        for name, value in arrays.items():
            if name not in self.blobs:
                raise KeyError(f'{name!r} is not a blob of this net')
            target = getattr(self.blobs[name], field)
            value = np.asarray(value)
            if value.shape != target.shape:
                raise ValueError(f'{field} for blob {name!r} has shape {value.shape}, '
                                 f'the blob has shape {target.shape}')
            target[...] = value

    def forward(self, blobs=None, start=None, end=None, **kwargs):
        """Runs the net forward from layer `start` to layer `end` (names; default: all),
        after copying keyword arrays into the input blobs of the same name. Returns a dict
        of the outputs (or of the tops of `end`) plus any blobs named in `blobs`."""
        if end is not None:
            end_ind = self._layer_index(end, 'end')
            outputs = set(self.top_names[end] + list(blobs or []))
        else:
            end_ind = len(self.layers) - 1
            outputs = set(self.outputs + list(blobs or []))
        start_ind = 0 if start is None else self._layer_index(start, 'start')
        if kwargs:
            unknown = set(kwargs) - set(self.inputs)
            if unknown:
                raise KeyError(f'forward(): {sorted(unknown)} are not inputs of this net '
                               f'(inputs: {self.inputs})')
            self._set_arrays(kwargs, 'data')
        if len(self.layers):
            self._net._forward(start_ind, end_ind)
        return {name: self.blobs[name].data for name in self._ordered(outputs)}

    def backward(self, diffs=None, start=None, end=None, **kwargs):
        """Runs the net backward from layer `start` down to layer `end` (names; default:
        all), after copying keyword arrays into the diffs of the output blobs of the same
        name. Returns a dict of the input diffs (or of the bottoms of `end`) plus any blobs
        named in `diffs`."""
        if start is not None:
            start_ind = self._layer_index(start, 'start')
        else:
            start_ind = len(self.layers) - 1
        if end is not None:
            end_ind = self._layer_index(end, 'end')
            outputs = set(self.bottom_names[end] + list(diffs or []))
        else:
            end_ind = 0
            outputs = set(self.inputs + list(diffs or []))
        if kwargs:
            unknown = set(kwargs) - set(self.outputs)
            if unknown:
                raise KeyError(f'backward(): {sorted(unknown)} are not outputs of this net '
                               f'(outputs: {self.outputs})')
            self._set_arrays(kwargs, 'diff')
        if len(self.layers):
            self._net._backward(start_ind, end_ind)
        return {name: self.blobs[name].diff for name in self._ordered(outputs)}

    def _ordered(self, names):
        return [n for n in self._net._blob_names if n in names]

    def forward_all(self, blobs=None, **kwargs):
        """Runs forward over whole batches of the keyword inputs (any number of items,
        split into the net's batch size) and returns the concatenated outputs."""
        outs = {name: [] for name in set(self.outputs + list(blobs or []))}
        if not kwargs:
            return self.forward(blobs=blobs)
        batch = self.blobs[self.inputs[0]].shape[0]
        total = len(next(iter(kwargs.values())))
        for start in range(0, total, batch):
            chunk = {}
            for name, arr in kwargs.items():
                part = np.asarray(arr[start:start + batch])
                if len(part) < batch:  # pad the last batch, then drop the padding
                    pad = np.zeros((batch - len(part),) + part.shape[1:], part.dtype)
                    part = np.concatenate([part, pad])
                chunk[name] = part
            result = self.forward(blobs=blobs, **chunk)
            for name, value in result.items():
                outs[name].extend(value.copy()[:min(batch, total - start)])
        return {name: np.asarray(value) for name, value in outs.items()}

    def set_input_arrays(self, data, labels, layer=None):
        """Feeds a MemoryData layer (the first one, or the one named `layer`) from arrays:
        data of shape (N, C, H, W) and labels of N values, both C-contiguous in the net's
        dtype, N a multiple of the batch size. The net keeps references to both arrays."""
        if layer is None:
            found = [l for l in self.layers if l.type == 'MemoryData']
            if not found:
                raise TypeError('set_input_arrays needs a MemoryData layer; this net has none')
            target = found[0]
        else:
            target = self.layers[self._layer_index(layer, 'layer')]
        _caffe._set_input_arrays(target, data, labels)

    def data_wait_seconds(self):
        """Seconds each prefetching data layer's forward spent waiting for loaded batches,
        as {layer name: {'wait_seconds': s, 'batches': n}}."""
        stats = OrderedDict()
        for name, layer in zip(self._net._layer_names, self._net.layers):
            s = _caffe._data_wait_stats(layer)
            if s is not None:
                stats[name] = s
        return stats

    def reshape(self):
        """Propagates changed input shapes through all layers."""
        self._net.reshape()

    def save(self, filename):
        """Writes the weights as a binary .caffemodel (BVLC-compatible)."""
        self._net.save(str(filename))

    def copy_from(self, filename):
        """Loads weights from a .caffemodel into the layers of the same name."""
        self._net.copy_from(str(filename))

    def share_with(self, other):
        """Makes this net use `other`'s parameter memory for layers of the same name."""
        self._net.share_with(other._net)

    def __repr__(self):
        return f'<caffe.Net {self.name!r} ({len(self.layers)} layers, {self.dtype})>'
