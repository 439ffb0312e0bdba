"""examples/cluttered_mnist: its nets and solvers build, start at the identity transform
and pass gradients to the localisation net; the run files written by its scripts read
the run's data; and quick.py (the README's main job) trains end to end on a tiny
synthetic set (shapes in place of digits, nothing downloaded) and writes its figure."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, at_root, require_tool
from test_mnist_loader import write_set

EXAMPLE = os.path.join(ROOT, 'examples', 'cluttered_mnist')
sys.path.insert(0, EXAMPLE)
import stn_common  # noqa: E402

NETS = ['cnn', 'st_cnn', 'st_rotation', 'st_similarity']


def test_the_example_holds_these_nets_and_solvers():
    files = sorted(f for f in os.listdir(EXAMPLE) if f.endswith('.prototxt'))
    assert files == sorted([f'{n}.prototxt' for n in NETS] + [f'{n}_solver.prototxt' for n in NETS]
                           + ['st_cnn_warmup_solver.prototxt'])
    assert tuple(NETS) == stn_common.NETS


def read_solver(path):
    from google.protobuf import text_format
    from caffe.proto import caffe_pb2
    solver = caffe_pb2.SolverParameter()
    text_format.Merge(open(path).read(), solver)
    return solver


def test_the_st_cnn_warms_up_at_a_tenth_of_the_rate_and_the_main_run_resumes(tmp_path):
    warm = read_solver(os.path.join(EXAMPLE, 'st_cnn_warmup_solver.prototxt'))
    main = read_solver(os.path.join(EXAMPLE, 'st_cnn_solver.prototxt'))
    assert warm.net == main.net and warm.type == main.type == 'Adam'
    assert warm.base_lr == pytest.approx(main.base_lr / 10) and warm.lr_policy == 'fixed'
    assert warm.max_iter == 1000 < main.stepvalue[0]
    # The snapshot the main solver's comment resumes from is the one the warm-up writes.
    state = f'{warm.snapshot_prefix}_iter_{warm.max_iter}.solverstate'
    assert f'-snapshot={state}' in open(os.path.join(EXAMPLE, 'st_cnn_solver.prototxt')).read()
    # The scripts' copy: the run's net and snapshot prefix; a quarter of a short run.
    path, solver = stn_common.write_warmup_solver('st_cnn', str(tmp_path), max_iter=7)
    assert path == str(tmp_path / 'st_cnn_warmup_solver.prototxt')
    assert read_solver(path) == solver and solver.max_iter == 7
    assert solver.net == stn_common.rel(str(tmp_path / 'st_cnn.prototxt'))
    assert solver.snapshot_prefix == stn_common.rel(str(tmp_path / 'st_cnn_warmup'))
    assert solver.base_lr == warm.base_lr
    assert stn_common.write_warmup_solver('cnn', str(tmp_path)) is None
    assert stn_common._warmup_iters('st_cnn', 50000) == 1000
    assert stn_common._warmup_iters('st_cnn', 300) == 75
    assert stn_common._warmup_iters('cnn', 50000) == 0


def test_run_files_override_solver_fields_given_and_keep_those_given_as_none(tmp_path):
    """write_run_files (train_all --net-seed, document_localization's too): a field given a
    value replaces the committed one; None leaves the committed solver's value."""
    committed = read_solver(os.path.join(EXAMPLE, 'cnn_solver.prototxt'))
    assert committed.random_seed == 1
    _, kept = stn_common.write_run_files('cnn', str(tmp_path), str(tmp_path / 'a'),
                                         max_iter=9, random_seed=None, stepvalue=[3, 6])
    _, seeded = stn_common.write_run_files('cnn', str(tmp_path), str(tmp_path / 'b'),
                                           max_iter=9, random_seed=7)
    assert kept.random_seed == 1 and seeded.random_seed == 7
    assert kept.max_iter == seeded.max_iter == 9 and list(kept.stepvalue) == [3, 6]
    assert read_solver(str(tmp_path / 'b' / 'cnn_solver.prototxt')).random_seed == 7


def shape_digits(n_per_class=40, seed=0):
    """Three classes of 28x28 'digits': a filled square, a horizontal bar, a vertical bar,
    with random sizes and offsets."""
    rng = np.random.RandomState(seed)
    images, labels = [], []
    for label in range(3):
        for _ in range(n_per_class):
            img = np.zeros((28, 28), np.uint8)
            a, b = rng.randint(14, 22), rng.randint(3, 6)
            h, w = [(a, a), (b, a), (a, b)][label]
            y, x = rng.randint(0, 28 - h + 1), rng.randint(0, 28 - w + 1)
            img[y:y + h, x:x + w] = 255
            images.append(img)
            labels.append(label)
    order = rng.permutation(len(labels))
    return np.array(images)[order], np.array(labels, np.uint8)[order]


@pytest.fixture(scope='module')
def tiny_set(tmp_path_factory):
    """A 60x60 cluttered set of 40 + 12 images written by tools/mnist_cluttered.py."""
    root = tmp_path_factory.mktemp('cluttered')
    train, test = shape_digits(40, 0), shape_digits(4, 1)
    write_set(root / 'mnist', {'train': train, 'test': test})
    out = root / 'set'
    stn_common.mnist_cluttered.make(str(out), dict(megapatch_w=60, num_dist=4, dist_w=8,
                                                   border=0), 40, 12, seed=3,
                                    mnist_dir=str(root / 'mnist'), quiet=True, check=False,
                                    log=lambda *a: None)
    return out


def identity_sample(data, H_out, W_out, scale=1.0):
    """Bilinear samples of N x C x H x W data on the H_out x W_out grid of the identity
    transform (or of `scale` times it, a centred zoom), as docs/compatibility.md defines
    it: output row s reads the input at row X = (scale * x_t + 1) * H / 2 with x_t = 2 s / H_out - 1, each pixel m weighted by
    max(0, 1 - |X - m|) (columns alike)."""
    def weights(n_out, n):
        X = (scale * (2.0 * np.arange(n_out) / n_out - 1) + 1) * n / 2
        return np.maximum(0, 1 - np.abs(X[:, None] - np.arange(n)[None, :]))
    rows, cols = weights(H_out, data.shape[2]), weights(W_out, data.shape[3])
    return np.einsum('sm,ncmk,tk->ncst', rows, data.astype(np.float64), cols)


def build(net_name, tiny_set, tmp_path, phase, start=None):
    """The run's net as write_run_files writes it for the tiny set (batches of 4); start: a
    set whose starting window train_all.start_window puts in it."""
    import caffe
    replace = import_train_all().start_window(start, net_name) if start else None
    solver_path, solver = stn_common.write_run_files(net_name, str(tiny_set), str(tmp_path),
                                                     replace=replace, max_iter=5)
    net_path = tmp_path / f'{net_name}.prototxt'
    text = net_path.read_text()
    assert str(stn_common.rel(str(tiny_set) + '/')) in text and 'stn60' not in text
    net_path.write_text(text.replace('batch_size: 64', 'batch_size: 4')
                        .replace('batch_size: 100', 'batch_size: 4'))
    assert solver.net == stn_common.rel(str(net_path))
    with at_root():
        return caffe.Net(stn_common.rel(str(net_path)), phase), solver


@pytest.mark.parametrize('net_name', NETS)
def test_nets_build_and_run_forward_backward(net_name, tiny_set, tmp_path):
    import caffe
    net, solver = build(net_name, tiny_set, tmp_path, caffe.TRAIN)
    assert solver.type == 'Adam' and solver.max_iter == 5
    loss = net.forward()['loss']
    assert np.isfinite(loss) and 1.0 < loss < 4.0          # about log(10) at the start
    net.backward()
    data = net.blobs['data'].data
    assert data.shape == (4, 1, 60, 60) and 0 <= data.min() and data.max() <= 1
    first_conv = net.params['conv1'][0].diff
    assert np.abs(first_conv).sum() > 0
    if net_name == 'cnn':
        assert 'st_out' not in net.blobs
        return
    # The transformer starts at the identity: it samples the whole input on the output's
    # grid (docs/compatibility.md: output row s reads input row X = s * H / H_out).
    identity = {'st_cnn': [1, 0, 0, 0, 1, 0], 'st_rotation': [0],
                'st_similarity': [1, 0, 0, 0]}[net_name]
    np.testing.assert_array_equal(net.blobs['theta'].data, np.tile(identity, (4, 1)))
    out = net.blobs['st_out'].data
    assert out.shape[2:] == {'st_cnn': (48, 48)}.get(net_name, (30, 30))
    np.testing.assert_allclose(out, identity_sample(data, *out.shape[2:]), rtol=0, atol=1e-5)
    if out.shape[2] == 30:        # a half-size output reads every second pixel exactly
        np.testing.assert_array_equal(out, data[:, :, ::2, ::2])
    # The loss reaches the localisation net through theta.
    assert np.abs(net.blobs['theta'].diff).sum() > 0
    assert np.abs(net.params['loc_theta'][0].diff).sum() > 0
    assert np.abs(net.params['loc_theta'][1].diff).sum() > 0
    # Deeper layers get nothing yet: the gradient passes through loc_theta's zero weights.
    assert not np.any(net.params['loc_conv1'][0].diff)


LOC_LAYERS = ('loc_conv1', 'loc_conv2', 'loc_ip1', 'loc_theta')


def test_the_localisation_net_learns_at_a_tenth_of_the_rate(tiny_set, tmp_path):
    """At the full rate the localisation net's units died (README): its four learnt layers
    carry lr_mult 0.1 on weights and biases, the classifier the solver's own rate. One Adam
    step from a fresh state moves every parameter with a gradient by the rate itself
    (m / sqrt(v) = g / |g|), so the first step shows each layer's effective rate."""
    import caffe
    from caffe.proto import caffe_pb2
    from google.protobuf import text_format
    param = caffe_pb2.NetParameter()
    text_format.Merge(open(os.path.join(EXAMPLE, 'st_cnn.prototxt')).read(), param)
    mults = {l.name: [p.lr_mult for p in l.param] for l in param.layer}
    for name in LOC_LAYERS:
        assert mults[name] == [pytest.approx(0.1)] * 2, name
    assert mults['conv1'] == [] and mults['ip2'] == []
    net, solver = build('st_cnn', tiny_set, tmp_path, caffe.TRAIN)
    with at_root():
        sgd = caffe.get_solver(stn_common.rel(str(tmp_path / 'st_cnn_solver.prototxt')))
    before = {k: [b.data.copy() for b in v] for k, v in sgd.net.params.items()}
    sgd.step(1)
    for name, rate in [('loc_theta', 0.1 * solver.base_lr), ('ip2', solver.base_lr),
                       ('conv1', solver.base_lr)]:
        for old, blob in zip(before[name], sgd.net.params[name]):
            moved = np.abs(blob.data - old)
            moved = moved[moved > 0]
            # At most the rate; below it only where |g| is near Adam's eps (1e-8).
            assert moved.size and moved.max() <= rate * 1.001, name
            assert np.median(moved) == pytest.approx(rate, rel=1e-2), name
    # loc_theta's zero weights pass no gradient below it at the first step.
    np.testing.assert_array_equal(sgd.net.params['loc_conv1'][0].data, before['loc_conv1'][0])


def import_train_all():
    """This example's train_all.py, under a name of its own (examples/recurrent_st has a
    train_all.py too, which another test imports as `train_all`)."""
    return stn_common._load_script(os.path.join(EXAMPLE, 'train_all.py'), 'cluttered_train_all')


def test_window_placement_of_hand_worked_windows():
    # The identity on a 60x60 canvas with a 60x60 output: the window is the canvas, centred
    # at pixel 29.5; a digit at the top-left corner has its centre at 13.5.
    p = stn_common.window_placement([[1, 0, 0, 0, 1, 0]], [0], [0], 60, 60, 60, 60)
    assert p['centre_error'][0] == pytest.approx(np.hypot(16, 16))
    assert p['canvas_error'][0] == pytest.approx(np.hypot(16, 16))
    assert p['side'][0] == pytest.approx(60) and p['digit_in_output'][0] == pytest.approx(28)
    # Half the size, centred on a digit at row 10, column 20 (centre 23.5, 33.5). The
    # output grid's middle is at -1/60 in target coordinates: input row
    # (0.5 * -1/60 + tx + 1) * 30 = 23.5.
    tx, ty = 23.5 / 30 - 1 + 0.5 / 60, 33.5 / 30 - 1 + 0.5 / 60
    p = stn_common.window_placement([[0.5, 0, tx, 0, 0.5, ty]], [10], [20], 60, 60, 60, 60)
    assert p['centre_error'][0] == pytest.approx(0, abs=1e-9)
    assert p['canvas_error'][0] == pytest.approx(np.hypot(29.5 - 23.5, 29.5 - 33.5))
    assert p['side'][0] == pytest.approx(30) and p['digit_in_output'][0] == pytest.approx(56)
    # Rotation by 90 degrees keeps the area; similarity (s, angle / pi, tx, ty) of scale 0.25.
    p = stn_common.window_placement([[0.5]], [16], [16], 60, 60, 30, 30, transform_type='rotation')
    assert p['side'][0] == pytest.approx(60) and p['digit_in_output'][0] == pytest.approx(14)
    p = stn_common.window_placement([[0.25, 0, 0, 0]], [16], [16], 60, 60, 30, 30,
                                    transform_type='similarity')
    assert p['side'][0] == pytest.approx(15) and p['digit_in_output'][0] == pytest.approx(56)
    assert p['centre_error'][0] == pytest.approx(np.hypot(*[30 * (1 - 0.25 / 30) - 29.5] * 2))


def test_positions_are_where_the_test_digits_are(tiny_set, tmp_path):
    """train_all measures windows against the digits' positions, which the set does not
    store: it draws the test split again. Each position must hold one of the source test
    digits of the image's class (the canvas is clutter + digit, clipped)."""
    from PIL import Image
    train_all = import_train_all()
    params = dict(megapatch_w=60, num_dist=4, dist_w=8, border=0)
    mnist_dir = str(tiny_set.parent / 'mnist')
    positions = train_all.test_positions(str(tiny_set), params, 3, 12, mnist_dir, check=False)
    digits, digit_labels = shape_digits(4, 1)
    lines = [l.split() for l in open(tiny_set / 'test.txt')]
    assert positions.shape == (12, 2)
    for (path, label), (y, x) in zip(lines, positions):
        canvas = np.asarray(Image.open(tiny_set / path)).astype(int)
        patch = canvas[y:y + 28, x:x + 28]
        assert patch.shape == (28, 28)
        assert any(np.all(patch >= d.astype(int) - 1)
                   for d, l in zip(digits, digit_labels) if l == int(label) and d.any())
    # A list that is not the generator's (one label changed) is refused.
    other = tmp_path / 'other'
    other.mkdir()
    os.symlink(tiny_set / 'test', other / 'test')
    lines[0][1] = str((int(lines[0][1]) + 1) % 3)
    (other / 'test.txt').write_text(''.join(f'{p} {l}\n' for p, l in lines))
    with pytest.raises(RuntimeError, match='not the generator'):
        train_all.test_positions(str(other), params, 3, 12, mnist_dir, check=False)
    with pytest.raises(RuntimeError, match='not the generator'):
        train_all.test_positions(str(tiny_set), params, 4, 12, mnist_dir, check=False)


def test_test_phase_has_accuracy(tiny_set, tmp_path):
    import caffe
    net, _ = build('st_cnn', tiny_set, tmp_path, caffe.TEST)
    out = net.forward()
    assert 0 <= out['accuracy'] <= 1 and net.blobs['data'].data.shape[0] == 4


@pytest.mark.parametrize('net_name', NETS)
def test_relu_after_max_pooling_computes_what_relu_before_it_does(net_name, tiny_set,
                                                                  tmp_path):
    """The classifiers put relu1 and relu2 after their max pooling, on a quarter of the
    values: ReLU is monotonic, so the loss, the scores and every parameter's gradient are
    those of the same net with each ReLU on its convolution's output (conv-ReLU-pool)."""
    import caffe
    net, _ = build(net_name, tiny_set, tmp_path, caffe.TEST)
    before = (tmp_path / f'{net_name}.prototxt').read_text()
    for k in '12':
        relu = f'layer {{ name: "relu{k}" type: "ReLU" bottom: "pool{k}" top: "pool{k}" }}\n'
        pool = (f'layer {{ name: "pool{k}" type: "Pooling" bottom: "conv{k}" top: "pool{k}"\n'
                '  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n')
        assert pool + relu in before, f'{net_name}: relu{k} does not follow max pooling pool{k}'
        before = before.replace(pool + relu, f'layer {{ name: "relu{k}" type: "ReLU" '
                                f'bottom: "conv{k}" top: "conv{k}" }}\n' + pool)
    (tmp_path / 'before.prototxt').write_text(before)
    with at_root():
        ref = caffe.Net(stn_common.rel(str(tmp_path / 'before.prototxt')), caffe.TEST)
    names = list(ref._layer_names)
    assert all(names.index(f'relu{k}') < names.index(f'pool{k}') for k in '12')
    rng = np.random.RandomState(5)
    for name, params in net.params.items():
        for i, p in enumerate(params):
            # Random weights (loc_theta's small, so that the window stays on the image):
            # about half of every convolution's outputs are negative.
            v = rng.normal(0, 0.01 if name == 'loc_theta' else 0.1, p.data.shape)
            p.data[...] = v
            ref.params[name][i].data[...] = v
    out, ref_out = net.forward(), ref.forward()
    assert (net.blobs['conv1'].data < 0).mean() > 0.2       # the ReLUs have work to do
    assert out['loss'] == ref_out['loss']
    np.testing.assert_array_equal(net.blobs['ip2'].data, ref.blobs['ip2'].data)
    net.backward()
    ref.backward()
    for name, params in net.params.items():
        for p, q in zip(params, ref.params[name]):
            assert np.abs(p.diff).sum() > 0 or name.startswith('loc_')
            np.testing.assert_array_equal(p.diff, q.diff, err_msg=name)


def test_grid_outline_of_the_identity_is_the_whole_image():
    cols, rows = stn_common.grid_outline([1, 0, 0, 0, 1, 0], 60, 60, 30, 30)
    np.testing.assert_allclose(sorted(set(np.round(rows, 9))), [0, 58])
    np.testing.assert_allclose(sorted(set(np.round(cols, 9))), [0, 58])
    # Zoom 0.5 (30 samples one pixel apart) shifted down by 1/3 = 10 rows: the samples
    # cover rows 25..54 and columns 15..44.
    cols, rows = stn_common.grid_outline([0.5, 0, 1 / 3, 0, 0.5, 0], 60, 60, 30, 30)
    assert (rows.min(), rows.max()) == pytest.approx((25, 54))
    assert (cols.min(), cols.max()) == pytest.approx((15, 44))
    np.testing.assert_allclose(stn_common.full_theta([0.5], 'rotation'),
                               [[0, -1, 0], [1, 0, 0]], atol=1e-12)
    np.testing.assert_allclose(stn_common.full_theta([2, 0, 0.1, 0.2], 'similarity'),
                               [[2, 0, 0.1], [0, 2, 0.2]], atol=1e-12)


def test_quick_job_trains_end_to_end_and_writes_its_figure(tmp_path):
    """The README's main job on a tiny synthetic set: accuracy well above chance (1/3)."""
    require_tool('caffe')
    write_set(tmp_path / 'mnist', {'train': shape_digits(100, 0), 'test': shape_digits(20, 1)})
    out = tmp_path / 'out'
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLE, 'quick.py'), '--mnist-dir', str(tmp_path / 'mnist'),
         '--no-check', '--train', '600', '--test', '150', '--iters', '300', '--batch', '32',
         '--data', str(tmp_path / 'data'), '--out', str(out), '--quiet'],
        capture_output=True, text=True, cwd=str(tmp_path),
        # 300 iterations of the ST-CNN: about 30 s on 2 idle cores, far longer in an
        # AddressSanitizer build (scripts/sanitize) on a busy machine
        timeout=1200 if os.environ.get('CAFFE_SANITIZER') else 300)
    assert result.returncode == 0, result.stderr[-3000:]
    m = re.search(r'test accuracy: ([\d.]+) \(([\d.]+)% of 150 test images\)', result.stdout)
    assert m, result.stdout
    assert float(m.group(1)) > 0.6
    figure = re.search(r'figure: (\S+)', result.stdout).group(1)
    path = os.path.join(ROOT, figure)
    assert os.path.samefile(path, out / 'quick_figure.png')
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    # The log is a real `caffe train` log that parse_log reads.
    train_rows, test_rows = stn_common.parse_log.parse_log(str(out / 'st_cnn.log'))
    assert train_rows[-1]['NumIters'] == 250 and test_rows[-1]['NumIters'] == 300
    # Two phases in the one log: the warm-up (a quarter of the 300 iterations) at 1e-4,
    # then the main solver, resumed from its snapshot at iteration 75, at 1e-3 until its
    # first step (2/3 of the run).
    log = (out / 'st_cnn.log').read_text()
    assert 'st_cnn_warmup_iter_75.solverstate' in log
    rates = {r['NumIters']: r['LearningRate'] for r in train_rows}
    assert rates[0] == rates[50] == pytest.approx(1e-4)
    assert rates[100] == rates[150] == pytest.approx(1e-3)
    assert rates[250] == pytest.approx(1e-4)
    assert abs(test_rows[-1]['accuracy'] - float(m.group(1))) < 0.08


@pytest.mark.parametrize('set_name', ['stn60', 'deepmind100', None])
def test_train_all_starts_the_st_cnn_zoomed_in(set_name, tiny_set, tmp_path):
    """train_all starts the ST-CNN's window zoomed in: on the central 0.6 of the canvas on
    stn60 (bias 0.6 0 0 0 0.6 0), the central 0.7 on deepmind100; the committed net alone
    (no set named) starts on the whole canvas (the identity of bias_init.txt). Output row s
    is then the bilinear sample at X = (z x_t + 1) H / 2, x_t = 2 s / H_out - 1, z the zoom
    (docs/compatibility.md), computed here from the data."""
    import caffe
    net, _ = build('st_cnn', tiny_set, tmp_path, caffe.TEST, start=set_name)
    net.forward()
    scale = {'stn60': 0.6, 'deepmind100': 0.7, None: 1.0}[set_name]
    theta = net.blobs['theta'].data
    np.testing.assert_allclose(theta, np.tile([scale, 0, 0, 0, scale, 0], (4, 1)), atol=1e-7)
    out, data = net.blobs['st_out'].data, net.blobs['data'].data
    np.testing.assert_allclose(out, identity_sample(data, 48, 48, scale), rtol=0, atol=1e-5)
    # A replacement whose text the net lacks is refused, not silently skipped.
    with pytest.raises(ValueError, match='does not contain'):
        stn_common.write_run_files('st_cnn', str(tiny_set), str(tmp_path / 'x'),
                                   replace={'no/such/bias.txt': 'y'})
    # The window of this start, as train_all measures it: that share of the side.
    w = stn_common.window_placement(theta[:1], np.array([16]), np.array([16]), 60, 60, 48, 48)
    assert w['side'][0] == pytest.approx(60 * scale)


def test_curves_label_minor_ticks_only_on_short_log_axes():
    """A loss falling over three decades gets labels at the powers of ten only (its minor
    labels overlapped in a figure); an error from 80% to 5% keeps its minor labels."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    iters = np.arange(0, 1000, 10)
    train = [{'NumIters': int(i), 'loss': float(v)}
             for i, v in zip(iters, np.geomspace(2, 1e-3, len(iters)))]
    test = [{'NumIters': int(i), 'accuracy': a} for i, a in ((100, 0.2), (500, 0.8), (990, 0.95))]
    fig, (ax_loss, ax_err) = plt.subplots(1, 2)
    stn_common.plot_curves(ax_loss, ax_err, {'net': (train, test)})
    fig.canvas.draw()

    def labels(ax):
        return [t.get_text() for t in ax.yaxis.get_minorticklabels()
                if t.get_text() and ax.get_ylim()[0] <= t.get_position()[1] <= ax.get_ylim()[1]]
    assert labels(ax_loss) == []
    assert {'0.1', '0.01'} <= {t.get_text() for t in ax_loss.get_yticklabels()}
    assert {'20', '50'} <= set(labels(ax_err))
    plt.close(fig)
