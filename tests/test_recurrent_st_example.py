"""examples/recurrent_st: the recurrent spatial transformer and the CNN baseline on MNIST
sequences. Both nets build and read the HDF5 files of tools/mnist_sequence.py; rnn_st
starts with every glimpse at the identity, runs each sequence's own recurrence through
the Lstm (against numpy), and passes the loss's gradient to the Lstm (against finite
differences); the CNN's three heads are three softmax classifiers; a few solver
iterations run; and train_all.py runs end to end on a tiny set, printing its table and
writing its figure."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, at_root, require_tool
from recurrent_reference import lstm
from st_reference import transform
from test_mnist_loader import write_set

EXAMPLE = os.path.join(ROOT, 'examples', 'recurrent_st')
sys.path.insert(0, EXAMPLE)
import train_all  # noqa: E402

common = train_all.common
NETS = ['rnn_st', 'rnn_st_windows', 'cnn']
BATCH = 4


def test_the_example_holds_these_nets_and_solvers():
    files = sorted(f for f in os.listdir(EXAMPLE) if f.endswith('.prototxt'))
    assert files == sorted([f'{n}.prototxt' for n in NETS] + [f'{n}_solver.prototxt' for n in NETS])
    assert tuple(NETS) == train_all.NETS
    for net in NETS:
        text = open(os.path.join(EXAMPLE, f'{net}_solver.prototxt')).read()
        assert 'type: "RMSProp"' in text and f'examples/recurrent_st/{net}.prototxt' in text
        assert train_all.DEFAULT_DATA + 'train.txt' in open(os.path.join(EXAMPLE, f'{net}.prototxt')).read()


def digits(n, seed):
    rng = np.random.RandomState(seed)
    images = np.zeros((n, 28, 28), np.uint8)
    images[:, 4:24, 6:22] = rng.randint(0, 256, (n, 20, 16))
    return images, (np.arange(n) % 10).astype(np.uint8)


@pytest.fixture(scope='module')
def tiny_set(tmp_path_factory):
    """24 training and 8 test sequences (files of 10 rows) from 40 + 12 random digits."""
    root = tmp_path_factory.mktemp('sequences')
    write_set(root / 'mnist', {'train': digits(40, 0), 'test': digits(12, 1)})
    out = root / 'set'
    train_all.mnist_sequence.make(str(out), train_all.mnist_sequence.sequence.PRESETS['sequence3'],
                                  24, 8, seed=2, mnist_dir=str(root / 'mnist'), rows_per_file=10,
                                  quiet=True, check=False, log=lambda *a: None)
    return out


def build(net_name, tiny_set, tmp_path, phase, dtype=np.float32):
    import caffe
    solver_path, solver = common.write_run_files(
        net_name, str(tiny_set), str(tmp_path), example_dir=EXAMPLE,
        default_data=train_all.DEFAULT_DATA, max_iter=5)
    net_path = tmp_path / f'{net_name}.prototxt'
    text = net_path.read_text()
    assert 'sequence3' not in text
    net_path.write_text(text.replace('batch_size: 64', f'batch_size: {BATCH}')
                        .replace('batch_size: 100', f'batch_size: {BATCH}'))
    with at_root():
        return caffe.Net(common.rel(str(net_path)), phase, dtype=dtype), solver_path


def first_test_rows(tiny_set, n=BATCH):
    images, labels, _ = train_all.mnist_sequence.read_split(str(tiny_set), 'test')
    return images[:n], labels[:n]


def test_rnn_st_starts_at_the_identity_and_reads_the_files(tiny_set, tmp_path):
    import caffe
    net, _ = build('rnn_st', tiny_set, tmp_path, caffe.TEST)
    net.forward()
    images, labels = first_test_rows(tiny_set)
    canvas = net.blobs['canvas'].data
    assert canvas.shape == (BATCH, 1, 100, 100)
    np.testing.assert_allclose(canvas[:, 0], images, atol=1e-6)
    # Glimpse and label rows are n*3 + t.
    np.testing.assert_array_equal(net.blobs['label_steps'].data, labels.ravel())
    np.testing.assert_array_equal(net.blobs['cont_steps'].data, np.tile([0, 1, 1], BATCH))
    theta = net.blobs['theta'].data
    np.testing.assert_array_equal(theta, np.tile([1, 0, 0, 0, 1, 0], (3 * BATCH, 1)))
    # Each glimpse is then the whole canvas at 33x33 (the transformer formula in numpy).
    glimpse = net.blobs['glimpse'].data
    assert glimpse.shape == (3 * BATCH, 1, 33, 33)
    want = transform(np.repeat(images[:, None], 3, axis=0), theta, 33, 33)
    np.testing.assert_allclose(glimpse, want, atol=1e-5)
    scores = net.blobs['scores'].data
    assert scores.shape == (3 * BATCH, 10) and 0 <= float(net.blobs['accuracy'].data) <= 1


def test_rnn_st_windows_starts_on_the_three_thirds(tiny_set, tmp_path):
    import caffe
    net, _ = build('rnn_st_windows', tiny_set, tmp_path, caffe.TEST)
    net.forward()
    images, _ = first_test_rows(tiny_set)
    np.testing.assert_array_equal(net.blobs['step_steps'].data, np.tile([0, 1, 2], BATCH))
    starts = np.loadtxt(os.path.join(EXAMPLE, 'windows_init.txt'))
    assert starts.shape == (3, 6)
    theta = net.blobs['theta'].data
    np.testing.assert_allclose(theta, np.tile(starts, (BATCH, 1)), rtol=1e-6)
    # Step t's window: all rows, the 44 columns around 50 + 50 c_t (c_t = -0.56, 0, 0.56),
    # where digit t's 28 columns lie on average (centres 22, 50 and 78 +- 8).
    cols, rows = common.grid_outline(starts[0], 100, 100, 33, 33)
    assert (rows.min(), cols.min(), cols.max()) == pytest.approx((0, 0, 42.67), abs=0.01)
    glimpse = net.blobs['glimpse'].data
    want = transform(np.repeat(images[:, None], 3, axis=0), theta, 33, 33)
    np.testing.assert_allclose(glimpse, want, atol=1e-5)


def test_rnn_st_lstm_runs_each_sequences_own_recurrence(tiny_set, tmp_path):
    """The Lstm reads the 3N batch-major rows as one stream restarted by cont = 0 1 1; each
    sequence's hidden states must equal a fresh 3-step LSTM on that sequence alone."""
    import caffe
    net, _ = build('rnn_st', tiny_set, tmp_path, caffe.TRAIN, dtype=np.float64)
    Wx, Wh, b = (p.data for p in net.params['lstm'])
    rng = np.random.RandomState(0)
    Wh[...] = rng.uniform(-0.3, 0.3, Wh.shape)       # make the recurrence matter
    b[...] = rng.uniform(-0.3, 0.3, b.shape)
    net.forward()
    feats = net.blobs['loc_conv3'].data.reshape(BATCH, -1)
    assert np.abs(feats).sum() > 0
    hidden = net.blobs['lstm'].data.reshape(BATCH, 3, -1)
    zeros = np.zeros((1, Wh.shape[1]))
    for n in range(BATCH):
        steps = np.repeat(feats[n][None, None], 3, axis=0)        # T=3 x N=1 x I
        h, _ = lstm(steps, None, Wx, Wh, b, zeros, zeros)
        np.testing.assert_allclose(hidden[n], h[:, 0], rtol=1e-10, atol=1e-12)
    # The three steps differ (the recurrence moves the state), which is what lets the
    # three glimpses go to different places.
    assert np.abs(hidden[:, 1] - hidden[:, 0]).max() > 1e-3


def test_rnn_st_gradient_reaches_the_lstm(tiny_set, tmp_path):
    import caffe
    # The fillers draw from the global generator: seed it, so that the weights (and so the
    # distance of every ReLU and max-pool input from its kink, which a central difference
    # must not cross) do not depend on which tests ran before this one.
    caffe.set_random_seed(5)
    net, _ = build('rnn_st', tiny_set, tmp_path, caffe.TRAIN, dtype=np.float64)
    net.forward()
    net.backward()
    # At the start only loc_theta learns: the gradient to the Lstm passes its zero weights.
    assert np.abs(net.params['loc_theta'][0].diff).sum() > 0
    assert np.abs(net.params['loc_theta'][1].diff).sum() > 0
    assert not np.any(net.params['lstm'][0].diff)
    # Once loc_theta has weights, the loss's gradient reaches every Lstm parameter and the
    # localisation convolutions; it matches central differences.
    rng = np.random.RandomState(1)
    net.params['loc_theta'][0].data[...] = rng.randn(6, 256) * 0.02
    net.params['lstm'][1].data[...] = rng.uniform(-0.2, 0.2, net.params['lstm'][1].data.shape)

    def loss():
        return float(net.forward(start='scale')['loss'])

    loss()
    for layer in ('lstm', 'loc_conv1', 'loc_theta'):
        for p in net.params[layer]:
            p.diff[...] = 0
    net.backward()
    for k in range(3):
        assert np.abs(net.params['lstm'][k].diff).sum() > 0
    assert np.abs(net.params['loc_conv1'][0].diff).sum() > 0
    eps = 1e-6
    for layer, k, index in [('lstm', 0, (5, 100)), ('lstm', 1, (300, 7)), ('lstm', 2, (600,)),
                            ('lstm', 0, (900, 1000)), ('loc_conv1', 0, (3, 0, 1, 1))]:
        p = net.params[layer][k]
        analytic = p.diff[index]
        keep = p.data[index]
        p.data[index] = keep + eps
        up = loss()
        p.data[index] = keep - eps
        down = loss()
        p.data[index] = keep
        numeric = (up - down) / (2 * eps)
        assert analytic == pytest.approx(numeric, rel=1e-4, abs=1e-9), (layer, k, index)


def test_cnn_heads_are_three_softmax_classifiers(tiny_set, tmp_path):
    import caffe
    net, _ = build('cnn', tiny_set, tmp_path, caffe.TEST, dtype=np.float64)
    out = net.forward()
    images, labels = first_test_rows(tiny_set)
    np.testing.assert_allclose(net.blobs['canvas'].data[:, 0], images, atol=1e-12)
    heads = net.blobs['heads'].data
    assert heads.shape == (BATCH, 30)
    scores = net.blobs['scores'].data.reshape(BATCH, 3, 10)
    # The loss is the mean over the three positions of each head's own softmax loss.
    losses = []
    for t in range(3):
        s = heads[:, 10 * t:10 * t + 10]
        np.testing.assert_array_equal(scores[:, t], s)
        logp = s - s.max(axis=1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
        losses.append(-logp[np.arange(BATCH), labels[:, t]])
    assert float(out['loss']) == pytest.approx(np.mean(losses), rel=1e-10)
    assert float(out['accuracy']) == pytest.approx(np.mean(scores.argmax(2) == labels))


@pytest.mark.parametrize('net_name', NETS)
def test_a_few_solver_iterations_run(net_name, tiny_set, tmp_path):
    import caffe
    _, solver_path = build(net_name, tiny_set, tmp_path, caffe.TRAIN)
    with at_root():
        solver = caffe.get_solver(common.rel(solver_path))
        solver.step(4)
    net = solver.net
    assert solver.iter == 4 and np.isfinite(float(net.blobs['loss'].data))
    if net_name != 'cnn':
        # theta's weights have left zero: the glimpses now depend on the canvas.
        assert np.abs(net.params['loc_theta'][0].data).max() > 0


def test_train_all_runs_end_to_end_and_writes_table_and_figure(tmp_path):
    require_tool('caffe')
    write_set(tmp_path / 'mnist', {'train': digits(60, 0), 'test': digits(20, 1)})
    out = tmp_path / 'out'
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLE, 'train_all.py'), '--mnist-dir',
         str(tmp_path / 'mnist'), '--no-check', '--train', '64', '--test', '12',
         '--iters-rnn', '12', '--iters-cnn', '6', '--batch', '8', '--nets', 'rnn_st', 'cnn', '--data',
         str(tmp_path / 'data'), '--out', str(out), '--quiet'],
        capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r'\| rnn_st \| [\d.]+% \| [\d.]+% \| [\d.]+% \| [\d.]+ min \| 12 \|', result.stdout)
    assert re.search(r'\| cnn \| [\d.]+% \| [\d.]+% \| [\d.]+% \| [\d.]+ min \| 6 \|', result.stdout)
    rows = {r['net']: r for r in json.load(open(out / 'results.json'))}
    assert set(rows) == {'rnn_st', 'cnn'}
    for r in rows.values():
        assert 0 <= r['sequence_accuracy'] <= r['digit_accuracy'] <= 1 and r['test'] == 12
    figures = re.findall(r'figure: (\S+)', result.stdout)
    assert len(figures) == 1
    assert os.path.samefile(os.path.join(ROOT, figures[0]), out / 'figure_rnn_st.png')
    with open(out / 'figure_rnn_st.png', 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    train_rows, test_rows = common.parse_log.parse_log(str(out / 'rnn_st.log'))
    assert test_rows[-1]['NumIters'] == 12
