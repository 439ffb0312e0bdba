"""Helpers for layer tests: build a one-layer net around numpy inputs, run it, and
compare its analytic gradients with central finite differences.

Typical use::

    from caffe_test_utils import layer_forward, check_gradient
    tops = layer_forward('type: "ReLU" relu_param { negative_slope: 0.1 }',
                         {'x': x})                       # -> {'out': array}
    check_gradient('type: "ReLU"', {'x': x})             # asserts

`layer_text` is the body of a `layer { ... }` block without name/bottom/top (they are
added: bottoms named after the dict keys, tops `out`, `out1`, ... — pass `tops=[...]`
to choose names or counts). Gradients are checked in float64.
"""
import os
import tempfile

import numpy as np

import caffe


def _net_text(layer_text, bottoms, tops, force_backward=True):
    lines = ['name: "test"']
    if force_backward:
        lines.append('force_backward: true')
    if bottoms:
        lines.append('layer { name: "input" type: "Input"')
        for name in bottoms:
            lines.append(f'  top: "{name}"')
        lines.append('  input_param {')
        for arr in bottoms.values():
            dims = ' '.join(f'dim: {d}' for d in np.shape(arr))
            lines.append(f'    shape {{ {dims} }}')
        lines.append('  } }')
    lines.append('layer { name: "layer"')
    for name in bottoms:
        lines.append(f'  bottom: "{name}"')
    for name in tops:
        lines.append(f'  top: "{name}"')
    lines.append('  ' + layer_text)
    lines.append('}')
    return '\n'.join(lines)


def layer_net(layer_text, bottoms, tops=('out',), dtype=np.float64, phase=caffe.TRAIN,
              force_backward=True):
    """Builds a net Input -> layer and loads `bottoms` (name -> array) into it."""
    text = _net_text(layer_text, bottoms, tops, force_backward)
    with tempfile.NamedTemporaryFile('w', suffix='.prototxt', delete=False) as f:
        f.write(text)
        path = f.name
    try:
        net = caffe.Net(path, phase, dtype=dtype)
    finally:
        os.unlink(path)
    for name, arr in bottoms.items():
        net.blobs[name].data[...] = arr
    return net


def layer_forward(layer_text, bottoms, tops=('out',), dtype=np.float32, phase=caffe.TEST):
    """Runs the layer forward once and returns {top name: array copy}."""
    net = layer_net(layer_text, bottoms, tops, dtype=dtype, phase=phase, force_backward=False)
    net.forward()
    return {t: net.blobs[t].data.copy() for t in tops}


def layer_loss(layer_text, bottoms):
    """Runs a loss layer forward in float64; returns its scalar top `loss`."""
    return float(layer_forward(layer_text, bottoms, tops=('loss',), dtype=np.float64)['loss'])


def _objective(net, tops, weights):
    net.forward()
    return sum(float(np.sum(net.blobs[t].data * w)) for t, w in zip(tops, weights))


def check_gradient(layer_text, bottoms, tops=('out',), check_bottoms=None, check_params=True,
                   eps=1e-6, rtol=1e-5, atol=1e-7, seed=1701, phase=caffe.TRAIN,
                   top_weights=None):
    """Asserts that the layer's backward matches central differences of
    L = sum_t <top_t, R_t> (R_t random, fixed) for each checked bottom and param.

    check_bottoms: names of bottoms to check (default: all). Parameter blobs are
    checked when check_params is true. Returns the net for further inspection.
    """
    net = layer_net(layer_text, bottoms, tops, dtype=np.float64, phase=phase)
    rng = np.random.RandomState(seed)
    net.forward()
    if top_weights is None:
        top_weights = [rng.uniform(-1, 1, net.blobs[t].data.shape) for t in tops]
    targets = [(name, net.blobs[name]) for name in (check_bottoms if check_bottoms is not None
                                                    else list(bottoms))]
    if check_params:
        for i, p in enumerate(net.params.get('layer', [])):
            targets.append((f'param{i}', p))

    def analytic():
        net.forward()
        for t, w in zip(tops, top_weights):
            net.blobs[t].diff[...] = w
        for _, blob in targets:
            blob.diff[...] = 0
        net.backward()
        return [blob.diff.copy() for _, blob in targets]

    grads = analytic()
    for (name, blob), grad in zip(targets, grads):
        data = blob.data
        numeric = np.zeros_like(grad)
        flat = data.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = _objective(net, tops, top_weights)
            flat[i] = orig - eps
            minus = _objective(net, tops, top_weights)
            flat[i] = orig
            numeric.reshape(-1)[i] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=rtol, atol=atol,
                                   err_msg=f'gradient of {name} does not match finite differences')
    return net


def check_float_matches_double(layer_text, bottoms, tops=('out',), engine=None, rtol=2e-4,
                               atol=2e-5, seed=1702, phase=caffe.TRAIN):
    """Runs the layer forward and backward in float32 (on whatever CPU engine is selected)
    and in float64 (always the portable passes, which check_gradient verifies against
    finite differences) with the same parameters and top diffs; asserts that tops, bottom
    diffs and parameter diffs agree. With engine='DNNL' it also asserts that the float
    layer really ran on oneDNN. Returns the float32 net."""
    nets = [layer_net(layer_text, bottoms, tops, dtype=dt, phase=phase)
            for dt in (np.float32, np.float64)]
    f32, f64 = nets
    for p32, p64 in zip(f32.params.get('layer', []), f64.params.get('layer', [])):
        p32.data[...] = p64.data
    rng = np.random.RandomState(seed)
    results = []
    for net in nets:
        net.forward()
        r = rng if net is f32 else np.random.RandomState(seed)
        for t in tops:
            net.blobs[t].diff[...] = r.uniform(-1, 1, net.blobs[t].data.shape)
        for name in bottoms:
            net.blobs[name].diff[...] = 0
        for p in net.params.get('layer', []):
            p.diff[...] = 0
        net.backward()
        results.append([net.blobs[t].data.copy() for t in tops] +
                       [net.blobs[b].diff.copy() for b in bottoms] +
                       [p.diff.copy() for p in net.params.get('layer', [])])
    labels = [f'top {t}' for t in tops] + [f'diff of {b}' for b in bottoms] + \
        [f'param {i} diff' for i in range(len(f32.params.get('layer', [])))]
    for label, a, b in zip(labels, *results):
        scale = max(1.0, float(np.abs(b).max()))
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale,
                                   err_msg=f'float32 {label} differs from float64')
    if engine == 'DNNL':
        layer = f32.layer_dict['layer']
        assert layer.cpu_engine.startswith('DNNL'), layer.cpu_engine
    return f32


def engine_kind(cpu_engine):
    """A layer's cpu_engine string as 'DNNL', 'CAFFE', or 'declined': the portable pass
    because oneDNN offered only a non-JIT kernel, slower than it (pooling without
    AVX-512; the string names the offer, which must not be a JIT kernel)."""
    declined = 'CAFFE (oneDNN offers only '
    if cpu_engine.startswith(declined):
        assert not cpu_engine[len(declined):].startswith('jit'), cpu_engine
        return 'declined'
    return cpu_engine.split(':')[0]
