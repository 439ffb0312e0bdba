"""examples/document_localization: run.py runs end to end on a tiny set (40 training and
12 held-out photographs, 80x80 inputs, 8 iterations per net) and writes its table, results
and figure; its data hold the generator's classes as labels, in the photographs' order,
and the held-out photographs are other documents; the ST-CNN starts on a centred window (its
transformer output is the input resampled on that grid, against numpy) and passes
the loss's gradient to the localisation net; the geometry behind the localisation table
agrees with the layer."""
import importlib.util
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, at_root, require_tool

EXAMPLE = os.path.join(ROOT, 'examples', 'document_localization')
spec = importlib.util.spec_from_file_location('document_localization_run',
                                              os.path.join(EXAMPLE, 'run.py'))
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)

NETS = ['st_cnn', 'cnn64', 'cnn']
START_ZOOM = 0.6     # loc_theta's bias: the window starts centred, zoomed by this
SIZE, N_TRAIN, N_TEST, ITERS = 80, 40, 12, 8
NET_SEED = 5        # --net-seed: every solver of the run gets it as random_seed


def test_the_example_holds_these_nets_and_solvers():
    files = sorted(f for f in os.listdir(EXAMPLE) if f.endswith('.prototxt'))
    assert files == sorted([f'{n}.prototxt' for n in NETS] + [f'{n}_solver.prototxt' for n in NETS]
                           + ['st_cnn_warmup_solver.prototxt'])
    assert tuple(NETS) == run.NETS
    for net in NETS:
        text = open(os.path.join(EXAMPLE, f'{net}_solver.prototxt')).read()
        assert f'net: "examples/document_localization/{net}.prototxt"' in text
        assert 'type: "Adam"' in text and f'max_iter: {run.ITERS[net]}' in text
        assert f'stepvalue: {run.ITERS[net] * 2 // 3}' in text
        text = open(os.path.join(EXAMPLE, f'{net}.prototxt')).read()
        for split in ('train', 'test'):
            assert f'source: "{run.DEFAULT_DATA}{split}_lmdb"' in text
    # The window starts centred, zoomed by START_ZOOM (1: the whole photograph).
    start = [float(v) for v in open(os.path.join(EXAMPLE, 'bias_init.txt')).read().split()]
    assert start == [START_ZOOM, 0, 0, 0, START_ZOOM, 0]
    # The localisation net's convolutions and loc_ip1 learn at a tenth of the rate;
    # loc_theta and the classifier at the solver's.
    from caffe.proto import caffe_pb2
    from google.protobuf import text_format
    param = caffe_pb2.NetParameter()
    text_format.Merge(open(os.path.join(EXAMPLE, 'st_cnn.prototxt')).read(), param)
    mults = {l.name: [p.lr_mult for p in l.param] for l in param.layer if l.type in
             ('Convolution', 'InnerProduct')}
    assert {k for k, v in mults.items() if v} == {'loc_conv1', 'loc_conv2', 'loc_ip1'}
    assert all(v == [pytest.approx(0.1)] * 2 for v in mults.values() if v)
    # The warm-up's snapshot is the one the main solver's comment resumes from.
    warm = open(os.path.join(EXAMPLE, 'st_cnn_warmup_solver.prototxt')).read()
    assert 'max_iter: 300' in warm and 'base_lr: 0.0001' in warm
    assert '-snapshot=examples/document_localization/st_cnn_warmup_iter_300.solverstate' in \
        open(os.path.join(EXAMPLE, 'st_cnn_solver.prototxt')).read()


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    """run.py end to end on tiny settings: (its stdout, data folder, output folder)."""
    require_tool('caffe')
    root = tmp_path_factory.mktemp('docloc')
    data, out = root / 'data', root / 'out'
    env = dict(os.environ, OMP_NUM_THREADS='1')
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLE, 'run.py'), '--train', str(N_TRAIN),
         '--test', str(N_TEST), '--size', str(SIZE), '--photo-size', '96', '120',
         '--iters', str(ITERS), '--batch', '4', '--workers', '1', '--data', str(data),
         '--out', str(out), '--quiet', '--net-seed', str(NET_SEED)],
        capture_output=True, text=True, timeout=300, cwd=str(root), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, data, out


def test_run_writes_its_table_results_and_figure(tiny_run):
    stdout, data, out = tiny_run
    for net in NETS:
        for suffix in ('.prototxt', '_solver.prototxt', '.log', f'_iter_{ITERS}.caffemodel'):
            assert (out / f'{net}{suffix}').is_file(), f'{net}{suffix}'
    assert (out / f'st_cnn_warmup_iter_{ITERS // 4}.solverstate').is_file()
    with open(out / 'figure.png', 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    assert re.search(r'figure: (\S+)', stdout).group(1) == run.common.rel(str(out / 'figure.png'))
    # The table printed is results.md, one row per net, from the numbers in results.json.
    table = (out / 'results.md').read_text()
    assert table.strip() in stdout
    rows = json.loads((out / 'results.json').read_text())
    assert [r['net'] for r in rows] == NETS
    lines = [l for l in table.splitlines() if l.startswith('| ')]
    assert lines[0].startswith('| net | input of the classifier | test accuracy |')
    expected = {'cnn': f'the whole photograph, {SIZE}x{SIZE}',
                'cnn64': f'the whole photograph, {SIZE // 2}x{SIZE // 2}',
                'st_cnn': f'a 64x64 window of the {SIZE}x{SIZE} photograph'}
    for r in rows:
        assert r['iterations'] == ITERS and r['test'] == N_TEST and r['train'] == N_TRAIN
        assert r['accuracy'] * N_TEST == pytest.approx(round(r['accuracy'] * N_TEST))
        cells = [c.strip() for c in next(l for l in lines if l.startswith(f'| {r["net"]} |'))
                 .strip('|').split('|')]
        assert cells[1] == expected[r['net']]
        assert cells[2] == f'{100 * r["accuracy"]:.2f}%'
        assert cells[5] == str(ITERS)
        # Each net's log is a `caffe train` log of that many iterations with tests in it.
        _, test_rows = run.common.parse_log.parse_log(str(out / f'{r["net"]}.log'))
        assert test_rows[-1]['NumIters'] == ITERS and 0 <= test_rows[-1]['accuracy'] <= 1
    # The ST-CNN's warm-up and main phase went into one log.
    assert f'st_cnn_warmup_iter_{ITERS // 4}.solverstate' in (out / 'st_cnn.log').read_text()
    assert f'| in the {SIZE}x{SIZE} input |' in table
    assert "| in the transformer's 64x64 output |" in table
    mean_theta = rows[0]['localisation']['accuracy_mean_theta']      # st_cnn's
    assert (f'replaced by the mean theta (one window for all): {100 * mean_theta["all"]:.2f}%; '
            f'with only the shift replaced: {100 * mean_theta["shift"]:.2f}%') in table
    for name in ('st_cnn_warmup', *NETS):
        assert f'random_seed: {NET_SEED}\n' in (out / f'{name}_solver.prototxt').read_text()


def test_the_data_hold_the_generators_classes_in_order(tiny_run):
    import caffe.io
    from caffe.datasets import annotations, documents
    from caffe.proto import caffe_pb2
    from PIL import Image
    _, data, _ = tiny_run
    images = {}
    for split, n in (('train', N_TRAIN), ('test', N_TEST)):
        classes = annotations.read_classes(str(data / split / 'classes.txt'))
        assert tuple(classes) == documents.CLASSES
        rows = annotations.read_csv(str(data / split / 'annotations.csv'))
        boxes = annotations.read_csv(str(data / f'{split}_boxes.csv'))
        records = list(caffe.io.read_db(str(data / f'{split}_lmdb')))
        assert len(rows) == len(boxes) == len(records) == n
        assert [k for k, _ in records] == [b'%08d' % i for i in range(n)]
        found = []
        for i, ((_, value), row, box) in enumerate(zip(records, rows, boxes)):
            datum = caffe_pb2.Datum.FromString(value)
            assert datum.label == documents.CLASSES.index(row.cls)
            assert row.image == box.image == f'doc_{i:05d}.jpg' and box.cls == row.cls
            image = caffe.io.datum_to_array(datum)
            assert image.shape == (1, SIZE, SIZE) and image.dtype == np.uint8
            # The photograph, grey, shrunk whole into the square (black bars on its short
            # side), and the document's box moved with it.
            with Image.open(data / split / row.image) as photo:
                W, H = photo.size
                grey, place = run.letterbox(photo, SIZE)
            np.testing.assert_array_equal(image[0], grey)
            k = SIZE / max(W, H)
            assert place[0] == pytest.approx(k, rel=0.02) and place[1] == pytest.approx(k, rel=0.02)
            assert box.cx == pytest.approx(row.cx * k + place[2], abs=0.6)
            assert box.cy == pytest.approx(row.cy * k + place[3], abs=0.6)
            assert box.width == pytest.approx(row.width * k, rel=0.03)
            assert box.angle == pytest.approx(row.angle, abs=1e-3) and abs(box.angle) <= 30
            bar = (SIZE - round(min(W, H) * k)) // 2
            assert bar > 0
            edge = image[0, :bar - 1] if W > H else image[0, :, :bar - 1]
            assert not edge.any()
            corners = box.corners()      # the whole document lies on the photograph
            assert corners.min() >= 0 and corners.max() <= SIZE
            found.append(datum.label)
        images[split] = np.stack([caffe.io.datum_to_array(caffe_pb2.Datum.FromString(v))
                                  for _, v in records])
        assert len(set(found)) >= 3
    # Held out: other seeds, other photographs.
    assert not any(np.array_equal(t, s) for t in images['test'] for s in images['train'])
    stamp = json.loads((data / 'test_made_with.json').read_text())
    assert stamp['seed'] == 2 and stamp['n'] == N_TEST and stamp['photo']['max_angle'] == 30


def centred_resample(data, H_out, W_out, zoom):
    """The bilinear samples of the centred window theta = (zoom, 0, 0; 0, zoom, 0), written
    out directly: in the grid's coordinates (input pixel m at 2m/H - 1, output pixel s at
    2s/H_out - 1) output row s reads input row (zoom (2s/H_out - 1) + 1) H / 2 -- for the
    identity, s H / H_out -- mixing rows floor and floor + 1 by the fraction; likewise for
    columns; pixels outside the input are zero."""
    N, C, H, W = data.shape
    padded = np.zeros((N, C, H + 2, W + 2))          # a zero border on every side
    padded[:, :, 1:H + 1, 1:W + 1] = data
    out = np.zeros((N, C, H_out, W_out))
    for s in range(H_out):
        r = (zoom * (2 * s / H_out - 1) + 1) * H / 2
        r0, fr = int(np.floor(r)), r - np.floor(r)
        for t in range(W_out):
            c = (zoom * (2 * t / W_out - 1) + 1) * W / 2
            c0, fc = int(np.floor(c)), c - np.floor(c)
            out[:, :, s, t] = ((1 - fr) * (1 - fc) * padded[:, :, r0 + 1, c0 + 1]
                               + (1 - fr) * fc * padded[:, :, r0 + 1, c0 + 2]
                               + fr * (1 - fc) * padded[:, :, r0 + 2, c0 + 1]
                               + fr * fc * padded[:, :, r0 + 2, c0 + 2])
    return out


def build(out, net, phase):
    import caffe
    with at_root():
        return caffe.Net(run.common.rel(str(out / f'{net}.prototxt')), phase)


def test_st_cnn_starts_on_its_centred_window(tiny_run):
    import caffe
    import caffe.io
    from caffe.proto import caffe_pb2
    _, data, out = tiny_run
    net = build(out, 'st_cnn', caffe.TEST)
    net.forward()
    batch = net.blobs['data'].num
    assert batch == N_TEST
    records = list(caffe.io.read_db(str(data / 'test_lmdb')))
    images = np.stack([caffe.io.datum_to_array(caffe_pb2.Datum.FromString(v))
                       for _, v in records]).astype(np.float64)
    np.testing.assert_allclose(net.blobs['data'].data, images / 256, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(net.blobs['label'].data,
                                  [caffe_pb2.Datum.FromString(v).label for _, v in records])
    zoom = float(np.float32(START_ZOOM))      # the bias as the float32 blob holds it
    start = [zoom, 0, 0, 0, zoom, 0]
    np.testing.assert_array_equal(net.blobs['theta'].data, np.tile(start, (batch, 1)))
    st_out = net.blobs['st_out'].data
    assert st_out.shape == (batch, 1, 64, 64)
    # 80 -> 64: a real interpolation, not a copy.
    np.testing.assert_allclose(st_out, centred_resample(net.blobs['data'].data, 64, 64, zoom),
                               rtol=0, atol=1e-6)
    # The loss reaches the localisation net through theta.
    net = build(out, 'st_cnn', caffe.TRAIN)
    net.forward()
    net.backward()
    np.testing.assert_array_equal(net.blobs['theta'].data, np.tile(start, (4, 1)))
    assert np.abs(net.params['loc_theta'][0].diff).sum() > 0
    assert np.abs(net.params['loc_theta'][1].diff).sum() > 0


def test_mean_theta_accuracy_matches_a_net_with_those_entries_fixed(tiny_run, tmp_path):
    """evaluate()'s re-read with parts of theta set to their mean (MEAN_PARTS) against an
    independent path: the same weights in a net whose SpatialTransformer holds those entries
    as fixed theta_i_j and whose loc_theta predicts only the others."""
    import caffe
    from caffe.proto import caffe_pb2
    from google.protobuf import text_format
    _, _, out = tiny_run
    # The tiny run's weights barely moved from the start: give loc_theta and the last layer
    # random weights, so that theta and the class read differ from photograph to photograph.
    rng = np.random.default_rng(0)
    with at_root():
        net = caffe.Net(run.common.rel(str(out / 'st_cnn.prototxt')),
                        run.common.rel(str(out / f'st_cnn_iter_{ITERS}.caffemodel')), caffe.TEST)
        net.forward()
        features = net.blobs['loc_ip1'].data
        w = net.params['loc_theta'][0].data
        scale = 0.15 / (features.std() * np.sqrt(w.shape[1]) + 1e-12)    # theta sd ~0.15
        w[...] = rng.standard_normal(w.shape) * scale
        w = net.params['ip2'][0].data
        w[...] = rng.standard_normal(w.shape) * 3 * np.abs(w).mean()
        weights = str(tmp_path / 'varied.caffemodel')
        net.save(weights)
    result = run.evaluate(str(out / 'st_cnn.prototxt'), weights, N_TEST)
    theta = result['theta']
    assert theta.std(axis=0).min() > 0.01, 'theta hardly varies: the test would prove nothing'
    assert len(set(result['pred'])) > 1, 'one class for every photograph: nothing to compare'
    mean = theta.mean(axis=0)
    names = ['theta_1_1', 'theta_1_2', 'theta_1_3', 'theta_2_1', 'theta_2_2', 'theta_2_3']
    assert set(run.MEAN_PARTS) == {'all', 'shift', '2x2'}
    for part, fixed in run.MEAN_PARTS.items():
        param = caffe_pb2.NetParameter()
        text_format.Merge((out / 'st_cnn.prototxt').read_text(), param)
        st = next(l for l in param.layer if l.type == 'SpatialTransformer')
        for k in fixed:
            setattr(st.st_param, names[k], float(mean[k]))
        free = [k for k in range(6) if k not in fixed]
        loc_theta = next(l for l in param.layer if l.name == 'loc_theta')
        loc_theta.inner_product_param.bias_filler.Clear()    # the weights are copied in below
        if free:
            loc_theta.inner_product_param.num_output = len(free)
        else:
            del st.bottom[1]                     # every entry fixed: no theta bottom
        path = tmp_path / f'fixed_{part}.prototxt'
        path.write_text(text_format.MessageToString(param))
        with at_root():
            ref = caffe.Net(run.common.rel(str(path)), caffe.TEST)
            src = caffe.Net(run.common.rel(str(out / 'st_cnn.prototxt')), weights, caffe.TEST)
            for name in src.params:
                for i, blob in enumerate(src.params[name]):
                    data = blob.data
                    if name == 'loc_theta' and free:
                        data = data[free]
                    if name == 'loc_theta' and not free:
                        continue                 # its output is not read
                    ref.params[name][i].data[...] = data
            ref.forward()
        np.testing.assert_array_equal(ref.blobs['ip2'].data.argmax(axis=1),
                                      result['pred_mean_theta'][part], err_msg=part)
        assert result['accuracy_mean_theta'][part] == pytest.approx(
            np.mean(ref.blobs['ip2'].data.argmax(axis=1) == result['label']))


def test_st_output_sets_the_transformers_output_and_the_classifier_follows(tiny_run, tmp_path):
    import caffe
    _, data, _ = tiny_run
    out = tmp_path / 'run'
    out.mkdir()
    run.write_run('st_cnn', str(data), str(out), ITERS, N_TEST, 4, st_output=32)
    net = build(out, 'st_cnn', caffe.TEST)
    assert net.blobs['st_out'].data.shape == (N_TEST, 1, 32, 32)
    # 32 -> conv 5 -> 28 -> pool -> 14 -> conv 5 -> 10 -> pool -> 5 -> conv 3 -> 3 -> pool -> 2
    assert net.blobs['pool3'].data.shape[2:] == (2, 2)
    assert net.params['ip1'][0].data.shape == (128, 32 * 2 * 2)
    # Other nets, and the default, keep the committed file's 64 x 64.
    run.write_run('st_cnn', str(data), str(out), ITERS, N_TEST, 4)
    assert 'output_H: 64 output_W: 64' in (out / 'st_cnn.prototxt').read_text()
    assert run.ST_OUTPUT == 64


def test_baselines_read_the_whole_photograph(tiny_run):
    import caffe
    _, _, out = tiny_run
    net = build(out, 'cnn64', caffe.TEST)
    net.forward()
    d = net.blobs['data'].data
    half = d.reshape(N_TEST, 1, SIZE // 2, 2, SIZE // 2, 2).mean(axis=(3, 5))
    np.testing.assert_allclose(net.blobs['half'].data, half, rtol=1e-5, atol=1e-6)
    assert net.blobs['conv1'].data.shape[2:] == (SIZE // 2 - 4, SIZE // 2 - 4)
    assert 'theta' not in net.blobs
    net = build(out, 'cnn', caffe.TEST)
    assert net.blobs['conv1'].data.shape[2:] == (SIZE - 4, SIZE - 4)
    assert 'theta' not in net.blobs


def test_to_output_inverts_the_layers_grid():
    from caffe.datasets import annotations
    # Identity, 80 -> 64: input point p (continuous) lies under output (p - 1/2) / 1.25 + 1/2.
    p = np.array([[0.5, 0.5], [10.0, 30.0], [79.5, 40.0]])
    np.testing.assert_allclose(run.to_output([1, 0, 0, 0, 1, 0], p, 80, 80, 64, 64),
                               (p - 0.5) / 1.25 + 0.5, atol=1e-12)
    # Zoom on the lower right quarter of a 128 input into 64 (theta: half scale, centre
    # shifted by +0.5 along rows and columns): output pixel (s, t) reads input
    # (64 + s, 64 + t), so input pixel centre 64.5 + k lies at output k + 0.5.
    theta = [0.5, 0, 0.5, 0, 0.5, 0.5]
    p = np.array([[64.5, 64.5], [70.5, 100.5]])
    np.testing.assert_allclose(run.to_output(theta, p, 128, 128, 64, 64), p - 64, atol=1e-12)
    cols, rows = run.common.grid_outline(theta, 128, 128, 64, 64)
    assert (rows.min(), cols.min(), rows.max()) == pytest.approx((64, 64, 127))
    # placement: a 40 x 20 box turned by 30 degrees, centred at (60, 50), in a 100 side.
    box = annotations.Annotation('', 'letter', 60, 50, 40, 20, 30)
    c, size, angle = run.placement(box.corners()[None], 100)
    np.testing.assert_allclose(c, [[0.6, 0.5]])
    assert size[0] == pytest.approx(np.sqrt(800) / 100) and angle[0] == pytest.approx(30)
    # The localisation of documents sitting exactly where a zoom-by-2 theta looks: the
    # output holds them at twice the size, the same spread of angles, centres spread twice.
    boxes = [annotations.Annotation('', 'letter', 64 + dx, 64 + dy, 20, 30, a)
             for dx, dy, a in ((0, 0, 0), (4, -2, 10), (-3, 5, -10))]
    loc = run.localisation(boxes, np.tile([0.5, 0, 0, 0, 0.5, 0], (3, 1)), 128, 128)
    assert loc['output']['size_mean'] == pytest.approx(2 * loc['input']['size_mean'])
    assert loc['output']['centre_rms'] == pytest.approx(2 * loc['input']['centre_rms'])
    assert loc['output']['angle_std'] == pytest.approx(loc['input']['angle_std'])
    assert loc['inside'] == 1.0
    # A window that stays put follows none of the documents' offsets, and the mean-theta
    # reference is then the output itself.
    assert loc['follow'] == pytest.approx(0)
    assert loc['fixed'] == pytest.approx(loc['output'])
    # A window that moves with each document (centred on it: theta's translation is the
    # document centre in the grid's coordinates, pixel m at 2m/H - 1, centre at m + 1/2)
    # follows all of it: every centre lands on the output's middle.
    boxes = [annotations.Annotation('', 'letter', 40 + dx, 70 + dy, 20, 30, 0)
             for dx, dy in ((0, 0), (16, -8), (-12, 20), (30, 5))]
    tracking = np.array([[0.5, 0, 2 * (b.cy - 0.5) / 128 - 1, 0, 0.5, 2 * (b.cx - 0.5) / 128 - 1]
                         for b in boxes])
    loc = run.localisation(boxes, tracking, 128, 64)
    assert loc['follow'] == pytest.approx(1)
    assert loc['output']['centre_rms'] == pytest.approx(0, abs=1e-9)
    # With the mean window instead, the centres keep their spread, at the output's scale
    # (a 64-pixel window read into 64 pixels: the same share of a side half as long).
    assert loc['fixed']['centre_rms'] == pytest.approx(2 * loc['input']['centre_rms'])
