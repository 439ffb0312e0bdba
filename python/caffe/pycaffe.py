"""The user-facing Net: BVLC pycaffe's interface over the compiled core.

A Net holds either a float32 or a float64 C++ net (``dtype=``); float64 exists so that
gradient checks can be tight. Blobs are the compiled Blob objects, whose ``.data`` and
``.diff`` are numpy views of the blob memory.
"""
from collections import OrderedDict

import numpy as np

from . import _caffe
from . import hdf5_weights

_CPP_NETS = {np.dtype(np.float32): _caffe.Net_float32, np.dtype(np.float64): _caffe.Net_float64}
Blob = _caffe.Blob_float32
# The compiled layers that Net.layers holds (caffe.Layer is the base class of Python layers).
CppLayer = _caffe.Layer_float32


class Layer:
    """Base class of Python layers: subclass it and name the class in a prototxt layer of
    type "Python"::

        layer { name: "loss" type: "Python" bottom: "pred" bottom: "label" top: "loss"
                python_param { module: "my_layers" layer: "MyLoss" param_str: "0.5" }
                loss_weight: 1 }

    The module is imported from sys.path (PYTHONPATH), by pycaffe and by the `caffe` command
    alike. Before setup() the object gets ``param_str`` (python_param.param_str), ``phase``
    (caffe.TRAIN or caffe.TEST) and ``blobs``, its parameter blobs: ``self.blobs.add_blob(*shape)``
    in setup() creates one, and the solver updates, saves and loads them like any layer's.

    ``bottom`` and ``top`` are lists of Blobs (``.data`` / ``.diff`` are numpy views); reshape()
    must shape every top (``top[0].reshape(*shape)``) and runs before every forward pass.
    An exception raised by a method is raised from Net / Solver calls as caffe.CaffeError
    naming the layer, with the Python traceback in its message and the exception as its
    ``__cause__``; from the `caffe` command it ends the command with that message.
    """
    type = 'Python'

    def setup(self, bottom, top):
        """Called once when the net is built: read param_str, check the bottoms, add blobs."""

    def reshape(self, bottom, top):
        raise NotImplementedError(f'{type(self).__name__} must define reshape(self, bottom, top)')

    def forward(self, bottom, top):
        raise NotImplementedError(f'{type(self).__name__} must define forward(self, bottom, top)')

    def backward(self, top, propagate_down, bottom):
        if any(propagate_down):
            raise NotImplementedError(f'{type(self).__name__} must define backward(self, top, '
                                      f'propagate_down, bottom) to propagate gradients')


def upgrade_net_param(net_param):
    """A copy of a caffe_pb2.NetParameter in the current format: V0 and V1 layers
    (`layers { type: CONVOLUTION }`) and legacy inputs upgraded as Net does on load."""
    from .proto import caffe_pb2
    return caffe_pb2.NetParameter.FromString(
        _caffe._upgrade_net(net_param.SerializeToString()))


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
        self._layers_cache = None

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
        """The layers in order: compiled layers (caffe.CppLayer), and for Python layers the
        Python object itself (so its own attributes and methods are reachable)."""
        if self._layers_cache is None:
            layers = []
            for layer in self._net.layers:
                obj = _caffe._python_layer_object(layer)
                layers.append(layer if obj is None else obj)
            self._layers_cache = layers
        return self._layers_cache

    @property
    def _layer_names(self):
        return self._net._layer_names

    @property
    def _blob_names(self):
        return self._net._blob_names

    @property
    def layer_dict(self):
        return OrderedDict(zip(self._net._layer_names, self.layers))

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

    def _batches(self, arrays):
        """Splits equally long arrays into chunks of the net's batch size (the first axis of
        the blob of the same name); the last chunk is padded with zeros. Yields (chunk dict,
        number of real items in it)."""
        if not arrays:
            return
        total = len(next(iter(arrays.values())))
        if any(len(a) != total for a in arrays.values()):
            raise ValueError('the arrays given have different lengths: '
                             + ', '.join(f'{k}: {len(a)}' for k, a in arrays.items()))
        batch = self.blobs[next(iter(arrays))].shape[0]
        for start in range(0, total, batch):
            chunk = {}
            for name, arr in arrays.items():
                part = np.asarray(arr[start:start + batch])
                if len(part) < batch:
                    pad = np.zeros((batch - len(part),) + part.shape[1:], part.dtype)
                    part = np.concatenate([part, pad])
                chunk[name] = part
            yield chunk, min(batch, total - start)

    def forward_all(self, blobs=None, **kwargs):
        """Runs forward over whole batches of the keyword inputs (any number of items,
        split into the net's batch size) and returns the concatenated outputs."""
        if not kwargs:
            return self.forward(blobs=blobs)
        outs = {name: [] for name in set(self.outputs + list(blobs or []))}
        for chunk, n in self._batches(kwargs):
            for name, value in self.forward(blobs=blobs, **chunk).items():
                outs[name].extend(value[:n].copy())
        return {name: np.asarray(value) for name, value in outs.items()}

    def forward_backward_all(self, blobs=None, diffs=None, **kwargs):
        """forward_all and backward together, batch by batch: keyword arrays named after
        inputs feed forward, those named after outputs are the output diffs fed backward.
        Returns (outputs, input diffs), each a dict of arrays concatenated over the batches
        (plus the blobs named in `blobs` and the diffs named in `diffs`)."""
        inputs = {k: v for k, v in kwargs.items() if k in self.inputs}
        out_diffs = {k: v for k, v in kwargs.items() if k in self.outputs}
        unknown = set(kwargs) - set(inputs) - set(out_diffs)
        if unknown:
            raise KeyError(f'forward_backward_all(): {sorted(unknown)} are neither inputs '
                           f'({self.inputs}) nor outputs ({self.outputs}) of this net')
        outs = {name: [] for name in set(self.outputs + list(blobs or []))}
        grads = {name: [] for name in set(self.inputs + list(diffs or []))}
        fwd = list(self._batches(inputs)) if inputs else None
        bwd = list(self._batches(out_diffs)) if out_diffs else None
        if fwd is not None and bwd is not None and len(fwd) != len(bwd):
            raise ValueError(f'{len(fwd)} input batches but {len(bwd)} output-diff batches')
        for i in range(max(len(fwd or []), len(bwd or []), 1)):
            f_chunk, n = fwd[i] if fwd else ({}, None)
            b_chunk, nb = bwd[i] if bwd else ({}, None)
            n = n if n is not None else nb
            for name, value in self.forward(blobs=blobs, **f_chunk).items():
                outs[name].extend(value[:n].copy())
            for name, value in self.backward(diffs=diffs, **b_chunk).items():
                grads[name].extend(value[:n].copy())
        return ({k: np.asarray(v) for k, v in outs.items()},
                {k: np.asarray(v) for k, v in grads.items()})

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

    def save_hdf5(self, filename, write_diff=False):
        """Writes the weights in BVLC's HDF5 layout: /data/<layer>/<i> datasets (and
        /diff/<layer>/<i> with write_diff)."""
        hdf5_weights.save(self, str(filename), write_diff)

    def load_hdf5(self, filename):
        """Loads weights written by save_hdf5 (or BVLC's Net::ToHDF5) into the layers of
        the same name."""
        hdf5_weights.load(self, str(filename))

    def clear_param_diffs(self):
        """Sets the diffs of all learnable parameters to zero."""
        self._net.clear_param_diffs()

    # Hooks: `hook(layer_index)` runs just before / after each layer's pass.
    def before_forward(self, hook):
        self._net.before_forward(hook)

    def after_forward(self, hook):
        self._net.after_forward(hook)

    def before_backward(self, hook):
        self._net.before_backward(hook)

    def after_backward(self, hook):
        self._net.after_backward(hook)

    def share_with(self, other):
        """Makes this net use `other`'s parameter memory for layers of the same name."""
        self._net.share_with(other._net)

    def __repr__(self):
        return f'<caffe.Net {self.name!r} ({len(self.layers)} layers, {self.dtype})>'
