"""NetSpec: write Caffe networks in Python.

    from caffe import layers as L, params as P
    n = caffe.NetSpec()
    n.data, n.label = L.Input(shape=[dict(dim=[64, 1, 28, 28]), dict(dim=[64])], ntop=2)
    n.conv1 = L.Convolution(n.data, kernel_size=5, num_output=20,
                            weight_filler=dict(type='xavier'))
    n.pool1 = L.Pooling(n.conv1, kernel_size=2, stride=2, pool=P.Pooling.MAX)
    n.loss = L.SoftmaxWithLoss(n.ip, n.label)
    print(n.to_proto())

Keyword arguments that are LayerParameter fields (loss_weight, param, include,
propagate_down, ...) go to the layer; the others go to the layer's own `<type>_param`
message (e.g. convolution_param, st_param). `ntop`, `in_place` and `name` are special.
"""
from collections import OrderedDict

from .proto import caffe_pb2

_LAYER_FIELDS = {f.name for f in caffe_pb2.LayerParameter.DESCRIPTOR.fields}


def _param_fields_by_type():
    """Layer type -> its parameter field, from LayerParameter's `*_param` message fields
    (e.g. 'Convolution' -> 'convolution_param', 'SpatialTransformer' -> 'st_param')."""
    mapping = {}
    for field in caffe_pb2.LayerParameter.DESCRIPTOR.fields:
        if field.message_type is None or not field.name.endswith('_param'):
            continue
        message = field.message_type.name
        if message.endswith('Parameter'):
            mapping[message[:-len('Parameter')]] = field.name
    mapping['Deconvolution'] = 'convolution_param'
    return mapping


_PARAM_FIELD = _param_fields_by_type()


def assign_proto(proto, name, value):
    """Sets proto.name from a Python value: dicts fill sub-messages, lists of dicts
    fill repeated messages, other lists extend repeated scalars."""
    field = proto.DESCRIPTOR.fields_by_name.get(name)
    if field is None:
        raise AttributeError(f'{proto.DESCRIPTOR.name} has no field {name!r}')
    is_repeated = getattr(field, 'is_repeated', None)
    if is_repeated is None:
        is_repeated = field.label == field.LABEL_REPEATED
    if is_repeated:
        values = value if isinstance(value, (list, tuple)) else [value]
        target = getattr(proto, name)
        for item in values:
            if isinstance(item, dict):
                sub = target.add()
                for k, v in item.items():
                    assign_proto(sub, k, v)
            else:
                target.append(item)
    elif isinstance(value, dict):
        sub = getattr(proto, name)
        for k, v in value.items():
            assign_proto(sub, k, v)
    else:
        setattr(proto, name, value)


class Top:
    """One output of a layer; pass it as a bottom to later layers."""

    def __init__(self, fn, n):
        self.fn = fn
        self.n = n

    def to_proto(self):
        """A NetParameter holding the layers needed to compute this top."""
        return to_proto(self)

    def _to_proto(self, layers, names, autonames):
        return self.fn._to_proto(layers, names, autonames)


class Function:
    """A layer application: type, bottoms (Tops) and parameters."""

    def __init__(self, type_name, inputs, params):
        self.type_name = type_name
        for i, top in enumerate(inputs):
            if not isinstance(top, Top):
                # BVLC's wording, which users' scripts and tests match.
                raise TypeError(f'{type_name} input {i} is not a Top (type is {type(top)})')
        self.inputs = inputs
        self.params = dict(params)
        self.ntop = self.params.pop('ntop', 1)
        self.in_place = self.params.pop('in_place', False)
        if self.in_place and len(inputs) < self.ntop:
            raise ValueError(f'{type_name}: in_place needs a bottom for each top')
        self.tops = tuple(Top(self, n) for n in range(self.ntop))

    def _get_name(self, names, autonames):
        if self not in names and self.ntop > 0:
            names[self] = self._get_top_name(self.tops[0], names, autonames)
        elif self not in names:
            autonames[self.type_name] += 1
            names[self] = self.type_name + str(autonames[self.type_name])
        return names[self]

    def _get_top_name(self, top, names, autonames):
        if top not in names:
            autonames[top.fn.type_name] += 1
            names[top] = top.fn.type_name + str(autonames[top.fn.type_name])
        return names[top]

    def _to_proto(self, layers, names, autonames):
        if self in layers:
            return
        bottom_names = []
        for inp in self.inputs:
            inp._to_proto(layers, names, autonames)
            bottom_names.append(layers[inp.fn].top[inp.n])
        layer = caffe_pb2.LayerParameter()
        layer.type = self.type_name
        layer.bottom.extend(bottom_names)
        if self.in_place:
            layer.top.extend(layer.bottom[:self.ntop])
        else:
            for top in self.tops:
                layer.top.append(self._get_top_name(top, names, autonames))
        layer.name = self.params.pop('name', None) or self._get_name(names, autonames)
        param_field = _PARAM_FIELD.get(self.type_name)
        for key, value in self.params.items():
            if key.endswith('param') or key in _LAYER_FIELDS:
                assign_proto(layer, key, value)
            elif param_field is not None:
                assign_proto(getattr(layer, param_field), key, value)
            else:
                raise AttributeError(f'layer type {self.type_name!r} has no parameter '
                                     f'message, so {key!r} cannot be set')
        layers[self] = layer


class NetSpec:
    """Collects named tops; assigning `n.name = top` names that blob (and, for a
    layer's first top, the layer)."""

    def __init__(self):
        super().__setattr__('tops', OrderedDict())

    def __setattr__(self, name, value):
        self.tops[name] = value

    def __getattr__(self, name):
        try:
            return self.tops[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setitem__(self, key, value):
        self.__setattr__(key, value)

    def __getitem__(self, item):
        return self.__getattr__(item)

    def __delitem__(self, name):
        del self.tops[name]

    def keys(self):
        return list(self.tops.keys())

    def vals(self):
        return list(self.tops.values())

    def to_proto(self):
        names = {v: k for k, v in self.tops.items()}
        autonames = _Counter()
        layers = OrderedDict()
        for top in self.tops.values():
            top._to_proto(layers, names, autonames)
        net = caffe_pb2.NetParameter()
        net.layer.extend(layers.values())
        return net


class _Counter(dict):
    def __missing__(self, key):
        return 0


def to_proto(*tops):
    """A NetParameter with every layer needed to compute the given tops."""
    layers = OrderedDict()
    autonames = _Counter()
    for top in tops:
        top.fn._to_proto(layers, {}, autonames)
    net = caffe_pb2.NetParameter()
    net.layer.extend(layers.values())
    return net


class Layers:
    """`L.Convolution(bottom, ...)` creates a Convolution layer application."""

    def __getattr__(self, name):
        def layer_fn(*args, **kwargs):
            fn = Function(name, args, kwargs)
            if fn.ntop == 0:
                return fn
            if fn.ntop == 1:
                return fn.tops[0]
            return fn.tops
        return layer_fn


class Parameters:
    """`P.Pooling.MAX` gives the enum value PoolingParameter.MAX."""

    def __getattr__(self, name):
        message = getattr(caffe_pb2, name + 'Parameter')

        class _Enum:
            def __getattr__(self, value):
                return getattr(message, value)
        return _Enum()


layers = Layers()
params = Parameters()
