"""caffe.draw and tools/draw_net.py: pictures of net definitions through pydot/Graphviz."""
import glob
import os
import subprocess
import sys

import pytest
from google.protobuf import text_format

import caffe
import caffe.draw
from caffe.proto import caffe_pb2
from conftest import FIXTURES, ROOT

NET_FILES = sorted(f for d in ('models', 'examples', 'tests/fixtures')
                   for f in glob.glob(os.path.join(ROOT, d, '**', '*.prototxt'), recursive=True)
                   if 'solver' not in os.path.basename(f))


def read_net(path):
    net = caffe_pb2.NetParameter()
    with open(path) as f:
        text_format.Merge(f.read(), net)
    return net


def test_every_net_of_the_repository_is_listed():
    names = {os.path.relpath(f, ROOT) for f in NET_FILES}
    assert 'tests/fixtures/bvlc/bvlc_googlenet__train_val.prototxt' in names
    assert 'models/lenet/lenet_train_test.prototxt' in names or \
        any(n.startswith('models/lenet/') for n in names)
    assert len(NET_FILES) >= 20


@pytest.mark.parametrize('path', NET_FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_every_net_draws(path):
    graph = caffe.draw.get_pydot_graph(read_net(path), 'LR')
    net = caffe.upgrade_net_param(read_net(path))  # legacy `input:` fields become a layer
    # One node per layer and one per distinct blob name.
    blobs = {b for l in net.layer for b in list(l.bottom) + list(l.top)}
    assert len(graph.get_nodes()) == len(net.layer) + len(blobs)
    assert len(graph.get_edges()) == sum(len(l.bottom) + len(l.top) for l in net.layer)


def test_png_and_svg_rendering(tmp_path):
    net = read_net(os.path.join(FIXTURES, 'mnist__lenet_train_test.prototxt'))
    png = caffe.draw.draw_net(net, 'TB')
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    svg_path = str(tmp_path / 'lenet.svg')
    caffe.draw.draw_net_to_file(net, svg_path, 'LR', phase=caffe.TEST)
    svg = open(svg_path).read()
    assert '<svg' in svg and 'conv1' in svg and 'accuracy' in svg


def test_phase_filter_and_labels():
    net = read_net(os.path.join(FIXTURES, 'mnist__lenet_train_test.prototxt'))
    labels = lambda g: ' '.join(n.get('label') or '' for n in g.get_nodes())
    train = caffe.draw.get_pydot_graph(net, 'LR', phase=caffe.TRAIN)
    test = caffe.draw.get_pydot_graph(net, 'LR', phase=caffe.TEST)
    # LeNet's accuracy layer is TEST only; each phase has its own data layer.
    assert 'accuracy' not in labels(train) and 'accuracy' in labels(test)
    assert len(train.get_nodes()) < len(caffe.draw.get_pydot_graph(net, 'LR').get_nodes())
    conv = next(l for l in net.layer if l.name == 'conv1')
    assert caffe.draw.get_layer_label(conv, 'LR') == \
        r'conv1\n(Convolution)\nkernel size: 5\nstride: 1\npad: 0\noutputs: 20'
    assert caffe.draw.get_layer_label(conv, 'TB') == \
        'conv1 (Convolution) kernel size: 5 stride: 1 pad: 0 outputs: 20'
    assert caffe.draw.get_edge_label(conv) == '20'


def test_v1_definitions_are_drawn_after_upgrade():
    net = text_format.Parse('layers { name: "ip" type: INNER_PRODUCT bottom: "x" top: "y" '
                            'inner_product_param { num_output: 3 } }', caffe_pb2.NetParameter())
    graph = caffe.draw.get_pydot_graph(net, 'LR')
    assert 'InnerProduct' in ' '.join(n.get('label') or '' for n in graph.get_nodes())


def test_draw_net_tool(tmp_path):
    out = tmp_path / 'googlenet.png'
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'tools', 'draw_net.py'),
         os.path.join(FIXTURES, 'bvlc_googlenet__deploy.prototxt'), str(out), '--rankdir', 'TB',
         '--phase', 'TEST', '--display_lrm'],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'python')),
        timeout=300)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:4] == b'\x89PNG'
    bad = subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'draw_net.py'),
                          str(tmp_path / 'missing.prototxt'), str(tmp_path / 'x.png')],
                         capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'python')))
    assert bad.returncode == 1 and bad.stderr.startswith('draw_net: ')
