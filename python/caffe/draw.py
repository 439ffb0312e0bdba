"""caffe.draw: pictures of network definitions with Graphviz (through pydot), as BVLC's.

    from google.protobuf import text_format
    from caffe.proto import caffe_pb2
    import caffe.draw
    net = caffe_pb2.NetParameter()
    text_format.Merge(open('train_val.prototxt').read(), net)
    caffe.draw.draw_net_to_file(net, 'net.png', 'LR', phase=caffe.TRAIN)

Layers are boxes (coloured by kind, labelled with their name, type and main parameters),
blobs are octagons, and arrows run bottom -> layer -> top; in-place layers (a ReLU whose
top is its bottom) are drawn as a grey box. `rankdir` is Graphviz's: 'LR' (left to right),
'TB' (top to bottom), 'BT' or 'RL'. With `phase` (caffe.TRAIN or caffe.TEST) only the
layers that a net of that phase includes are drawn. Old V0/V1 definitions are upgraded
first. The output format follows the file extension (png, svg, pdf, dot, ...). Needs pydot
and Graphviz's `dot` program.
"""
import re

from .proto import caffe_pb2

LAYER_STYLE_DEFAULT = {'shape': 'record', 'fillcolor': '#6495ED', 'style': 'filled'}
NEURON_LAYER_STYLE = {'shape': 'record', 'fillcolor': '#90EE90', 'style': 'filled'}
BLOB_STYLE = {'shape': 'octagon', 'fillcolor': '#E0E0E0', 'style': 'filled'}

_COLOURS = {
    'Convolution': '#FF5050', 'Deconvolution': '#FF5050',
    'Pooling': '#FF9900',
    'InnerProduct': '#CC33FF',
    'SpatialTransformer': '#33CCCC',
}


def get_pooling_types_dict():
    """{PoolingParameter enum value: its name}."""
    desc = caffe_pb2.PoolingParameter.PoolMethod.DESCRIPTOR
    return {v.number: name for name, v in desc.values_by_name.items()}


def choose_color_by_layertype(layertype):
    """Fill colour of a layer box: convolutions red, pooling orange, inner products purple,
    spatial transformers teal, the rest blue."""
    return _COLOURS.get(layertype, LAYER_STYLE_DEFAULT['fillcolor'])


def _values(field):
    return list(field) if hasattr(field, '__len__') else [field]


def _geometry(param, kernel_default=1, stride_default=1, pad_default=0):
    """(kernel, stride, pad) strings of a convolution or pooling parameter message, from
    the N-d repeated fields or the legacy _h/_w ones."""
    def pick(name, default):
        h, w = getattr(param, name + '_h', 0), getattr(param, name + '_w', 0)
        if h or w:
            return f'{h}x{w}'
        values = _values(getattr(param, name if name != 'kernel' else 'kernel_size'))
        if not values:
            return str(default)
        return 'x'.join(str(v) for v in values)
    return pick('kernel', kernel_default), pick('stride', stride_default), pick('pad', pad_default)


def get_layer_lr_mult(layer):
    """The lr_mult of each parameter blob, as 'lr mult: 1, 2' (empty when unset)."""
    mults = [p.lr_mult for p in layer.param]
    return ('lr mult: ' + ', '.join(f'{m:g}' for m in mults)) if mults else ''


def get_layer_label(layer, rankdir, display_lrm=False):
    """The text of a layer box: name, type and main parameters, one per line when the
    graph runs left to right (records are drawn across), separated by spaces otherwise."""
    sep = r'\n' if rankdir in ('LR', 'RL') else ' '
    parts = [layer.name, f'({layer.type})']
    if layer.type in ('Convolution', 'Deconvolution'):
        p = layer.convolution_param
        kernel, stride, pad = _geometry(p)
        parts.append(f'kernel size: {kernel}{sep}stride: {stride}{sep}pad: {pad}')
        if p.num_output:
            parts.append(f'outputs: {p.num_output}')
    elif layer.type == 'Pooling':
        p = layer.pooling_param
        kernel, stride, pad = _geometry(p)
        parts.append(f'pool: {get_pooling_types_dict()[p.pool]}')
        parts.append('global' if p.global_pooling else
                     f'kernel size: {kernel}{sep}stride: {stride}{sep}pad: {pad}')
    elif layer.type == 'InnerProduct':
        parts.append(f'outputs: {layer.inner_product_param.num_output}')
    elif layer.type == 'SpatialTransformer':
        p = layer.st_param
        size = f'{p.output_H}x{p.output_W}' if p.HasField('output_H') else 'input size'
        parts.append(f'{p.transform_type} -> {size}')
    if display_lrm:
        lrm = get_layer_lr_mult(layer)
        if lrm:
            parts.append(lrm)
    return _escape(sep.join(parts))


def get_edge_label(layer):
    """The label on a layer's outgoing arrows: the data layers' batch size, the number of
    outputs of convolutions and inner products, nothing for other layers."""
    if layer.type == 'Data':
        return f'Batch {layer.data_param.batch_size}'
    if layer.type in ('Convolution', 'Deconvolution'):
        return str(layer.convolution_param.num_output)
    if layer.type == 'InnerProduct':
        return str(layer.inner_product_param.num_output)
    return ''


def _escape(text):
    # Record labels give {}|<> a meaning; the label keeps its \n line breaks.
    return re.sub(r'([{}|<>"])', r'\\\1', text)


def _included(layer, phase):
    if phase is None:
        return True
    if len(layer.include) and len(layer.exclude):
        raise ValueError(f"layer '{layer.name}' has both include and exclude rules")
    if len(layer.include):
        return any(not r.HasField('phase') or r.phase == phase for r in layer.include)
    return not any(r.HasField('phase') and r.phase == phase for r in layer.exclude)


def get_pydot_graph(caffe_net, rankdir, label_edges=True, phase=None, display_lrm=False):
    """The pydot.Dot graph of a NetParameter."""
    import pydot
    if len(caffe_net.layers) or len(caffe_net.input):  # V0/V1 layers, legacy inputs
        from .pycaffe import upgrade_net_param
        caffe_net = upgrade_net_param(caffe_net)
    graph = pydot.Dot(graph_name='G', graph_type='digraph', rankdir=rankdir,
                      label=_escape(caffe_net.name or 'Net'), labelloc='t')
    blob_ids = {}

    def blob_node(name):
        if name not in blob_ids:
            blob_ids[name] = f'blob{len(blob_ids)}'
            graph.add_node(pydot.Node(blob_ids[name], label=f'"{_escape(name)}"', **BLOB_STYLE))
        return blob_ids[name]

    for i, layer in enumerate(caffe_net.layer):
        if not _included(layer, phase):
            continue
        node = f'layer{i}'
        in_place = len(layer.bottom) == 1 and list(layer.bottom) == list(layer.top)
        style = dict(NEURON_LAYER_STYLE if in_place else LAYER_STYLE_DEFAULT)
        if not in_place:
            style['fillcolor'] = choose_color_by_layertype(layer.type)
        graph.add_node(pydot.Node(node, label=f'"{get_layer_label(layer, rankdir, display_lrm)}"',
                                  **style))
        for bottom in layer.bottom:
            graph.add_edge(pydot.Edge(blob_node(bottom), node))
        edge_label = get_edge_label(layer) if label_edges else ''
        for top in layer.top:
            edge = {'label': f'"{edge_label}"'} if edge_label else {}
            graph.add_edge(pydot.Edge(node, blob_node(top), **edge))
    return graph


def draw_net(caffe_net, rankdir, ext='png', phase=None, display_lrm=False):
    """The picture of a NetParameter as bytes in the format `ext` ('png', 'svg', ...)."""
    graph = get_pydot_graph(caffe_net, rankdir, phase=phase, display_lrm=display_lrm)
    if ext in ('dot', 'gv'):
        return graph.to_string().encode()
    return graph.create(format=ext)


def draw_net_to_file(caffe_net, filename, rankdir='LR', phase=None, display_lrm=False):
    """Draws a NetParameter into `filename`; the extension selects the format."""
    ext = filename[filename.rfind('.') + 1:] if '.' in filename else 'png'
    with open(filename, 'wb') as f:
        f.write(draw_net(caffe_net, rankdir, ext, phase, display_lrm))
