"""Solvers: each update rule against numpy, learning-rate policies, iter_size, weight
decay, gradient clipping, snapshot/restore, and bad solver definitions.

The test problem is linear regression: Input x, y -> InnerProduct -> EuclideanLoss, whose
gradient is computed here in numpy, so every expected weight is derived independently.
"""
import numpy as np
import pytest

import caffe

N, D, K = 6, 4, 3

NET = """
name: "regression"
layer {{ name: "input" type: "Input" top: "x" top: "y"
  input_param {{ shape {{ dim: {N} dim: {D} }} shape {{ dim: {N} dim: {K} }} }} }}
layer {{ name: "ip" type: "InnerProduct" bottom: "x" top: "pred"
  param {{ lr_mult: 1 decay_mult: 1 }} param {{ lr_mult: {bias_lr} decay_mult: 0 }}
  inner_product_param {{ num_output: {K}
    weight_filler {{ type: "gaussian" std: 0.5 }} bias_filler {{ type: "gaussian" std: 0.5 }} }} }}
layer {{ name: "loss" type: "EuclideanLoss" bottom: "pred" bottom: "y" top: "loss" }}
"""

RNG = np.random.RandomState(0)
X = RNG.randn(N, D)
Y = X @ RNG.randn(D, K) + 0.3


def f32(value):
    """Solver hyper-parameters are float fields: the solver sees them rounded to float32."""
    return float(np.float32(value))


def write_solver(tmp_path, bias_lr=2, **fields):
    (tmp_path / 'net.prototxt').write_text(NET.format(N=N, D=D, K=K, bias_lr=bias_lr))
    base = dict(net='"net.prototxt"', base_lr=0.1, lr_policy='"fixed"', max_iter=1000,
                random_seed=7, snapshot_after_train='false',
                snapshot_prefix='"%s"' % (tmp_path / 'snap'))
    base.update(fields)
    lines = []
    for key, value in base.items():
        for v in (value if isinstance(value, list) else [value]):
            lines.append(f'{key}: {v}')
    path = tmp_path / 'solver.prototxt'
    path.write_text('\n'.join(lines) + '\n')
    return path


def make_solver(tmp_path, cls=caffe.get_solver, bias_lr=2, dtype=np.float64, **fields):
    caffe.set_mode_cpu()
    solver = cls(str(write_solver(tmp_path, bias_lr=bias_lr, **fields)), dtype=dtype)
    solver.net.blobs['x'].data[...] = X
    solver.net.blobs['y'].data[...] = Y
    return solver


def weights(solver):
    return [p.data.copy() for p in solver.net.params['ip']]


def numpy_grad(w, b):
    """Gradient of sum((x W^T + b - y)^2) / (2N) with respect to W and b."""
    d = (X @ w.T + b - Y) / N
    return [d.T @ X, d.sum(0)]


def loss_of(w, b):
    return float(np.sum((X @ w.T + b - Y) ** 2) / (2 * N))


# ---- update rules, written from BVLC Caffe's documented formulas ----------------------
def sgd(g, h, t, lr, p):
    h[0] = p['momentum'] * h[0] + lr * g
    return h[0]


def nesterov(g, h, t, lr, p):
    old = h[0].copy()
    h[0] = p['momentum'] * h[0] + lr * g
    return (1 + p['momentum']) * h[0] - p['momentum'] * old


def adagrad(g, h, t, lr, p):
    h[0] = h[0] + g * g
    return lr * g / (np.sqrt(h[0]) + p['delta'])


def rmsprop(g, h, t, lr, p):
    h[0] = p['rms_decay'] * h[0] + (1 - p['rms_decay']) * g * g
    return lr * g / (np.sqrt(h[0]) + p['delta'])


def adadelta(g, h, t, lr, p):
    m, d = p['momentum'], p['delta']
    h[0] = m * h[0] + (1 - m) * g * g
    u = g * np.sqrt((h[1] + d) / (h[0] + d))
    h[1] = m * h[1] + (1 - m) * u * u
    return lr * u


def adam(g, h, t, lr, p):
    b1, b2 = p['momentum'], p['momentum2']
    h[0] = b1 * h[0] + (1 - b1) * g
    h[1] = b2 * h[1] + (1 - b2) * g * g
    corr = np.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1))
    return lr * corr * h[0] / (np.sqrt(h[1]) + p['delta'])


RULES = {
    'SGD': (sgd, dict(momentum=0.9)),
    'Nesterov': (nesterov, dict(momentum=0.9)),
    'AdaGrad': (adagrad, dict(delta=1e-8)),
    'RMSProp': (rmsprop, dict(rms_decay=0.9, delta=1e-8)),
    'AdaDelta': (adadelta, dict(momentum=0.95, delta=1e-6)),
    'Adam': (adam, dict(momentum=0.9, momentum2=0.999, delta=1e-8)),
}
CLASSES = {'SGD': caffe.SGDSolver, 'Nesterov': caffe.NesterovSolver, 'AdaGrad': caffe.AdaGradSolver,
           'RMSProp': caffe.RMSPropSolver, 'AdaDelta': caffe.AdaDeltaSolver, 'Adam': caffe.AdamSolver}


@pytest.mark.parametrize('kind', sorted(RULES))
def test_update_rule_matches_numpy(tmp_path, kind):
    rule, hyper = RULES[kind]
    decay, base_lr, bias_lr = 0.01, 0.1, 2.0
    solver = make_solver(tmp_path, cls=CLASSES[kind], type=f'"{kind}"', base_lr=base_lr,
                         weight_decay=decay, **hyper)
    decay, base_lr = f32(decay), f32(base_lr)
    hyper = {k: f32(v) for k, v in hyper.items()}
    assert solver.type == kind and isinstance(solver, CLASSES[kind])
    w, b = weights(solver)
    hist = {'w': [np.zeros_like(w), np.zeros_like(w)], 'b': [np.zeros_like(b), np.zeros_like(b)]}
    for t in range(3):
        gw, gb = numpy_grad(w, b)
        gw = gw + decay * w            # decay_mult 1 on the weights, 0 on the bias
        w = w - rule(gw, hist['w'], t, base_lr, hyper)
        b = b - rule(gb, hist['b'], t, base_lr * bias_lr, hyper)
        solver.step(1)
        got_w, got_b = weights(solver)
        np.testing.assert_allclose(got_w, w, rtol=1e-9, atol=1e-12, err_msg=f'{kind} step {t}')
        np.testing.assert_allclose(got_b, b, rtol=1e-9, atol=1e-12, err_msg=f'{kind} step {t}')
    assert solver.iter == 3


SETTINGS = {'SGD': dict(base_lr=0.05, momentum=0.9), 'Nesterov': dict(base_lr=0.05, momentum=0.9),
            'AdaGrad': dict(base_lr=0.3), 'RMSProp': dict(base_lr=0.02, rms_decay=0.9),
            'AdaDelta': dict(base_lr=1.0, momentum=0.9, delta=1e-4),
            'Adam': dict(base_lr=0.05, momentum=0.9, momentum2=0.999)}


@pytest.mark.parametrize('kind', sorted(SETTINGS))
def test_every_solver_reduces_the_loss(tmp_path, kind):
    solver = make_solver(tmp_path, type=f'"{kind}"', **SETTINGS[kind])
    before = loss_of(*weights(solver))
    solver.step(150)
    after = loss_of(*weights(solver))
    assert after < 0.1 * before, (kind, before, after)
    assert solver.smoothed_loss < before


def expected_lr(policy, it, base=f32(0.1), gamma=0.5, power=0.75, stepsize=3, stepvalue=(2, 5),
                max_iter=10):
    if policy == 'fixed':
        return base
    if policy == 'step':
        return base * gamma ** (it // stepsize)
    if policy == 'exp':
        return base * gamma ** it
    if policy == 'inv':
        return base * (1 + gamma * it) ** (-power)
    if policy == 'multistep':
        return base * gamma ** sum(it >= s for s in stepvalue)
    if policy == 'poly':
        return base * (1 - it / max_iter) ** power
    if policy == 'sigmoid':
        return base / (1 + np.exp(-gamma * (it - stepsize)))
    raise ValueError(policy)


@pytest.mark.parametrize('policy', ['fixed', 'step', 'exp', 'inv', 'multistep', 'poly', 'sigmoid'])
def test_learning_rate_policies(tmp_path, policy):
    # Plain SGD without momentum or decay: each step moves the weights by lr * gradient.
    solver = make_solver(tmp_path, bias_lr=1, base_lr=0.1, lr_policy=f'"{policy}"', gamma=0.5,
                         power=0.75, stepsize=3, stepvalue=[2, 5], max_iter=10)
    for it in range(8):
        w, b = weights(solver)
        gw, _ = numpy_grad(w, b)
        solver.step(1)
        lr = np.sum((w - weights(solver)[0]) * gw) / np.sum(gw * gw)
        assert lr == pytest.approx(expected_lr(policy, it), rel=1e-9), (policy, it)


def test_iter_size_averages_gradients(tmp_path):
    # The data do not change between passes, so averaging over iter_size passes must give
    # exactly the single-pass update (with weight decay added once, not per pass).
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    one = make_solver(tmp_path / 'a', momentum=0.9, weight_decay=0.05)
    three = make_solver(tmp_path / 'b', momentum=0.9, weight_decay=0.05, iter_size=3)
    for _ in range(3):
        one.step(1)
        three.step(1)
        for a, b in zip(weights(one), weights(three)):
            np.testing.assert_allclose(a, b, rtol=1e-12)
    assert three.iter == 3


def test_l1_regularization_and_clipping(tmp_path):
    solver = make_solver(tmp_path, bias_lr=1, weight_decay=0.1, regularization_type='"L1"',
                         clip_gradients=0.5)
    w, b = weights(solver)
    gw, gb = numpy_grad(w, b)
    norm = np.sqrt(np.sum(gw ** 2) + np.sum(gb ** 2))
    scale = min(1.0, 0.5 / norm)
    # Clipping comes first, then L1 decay: 0.1 * sign(w) on the weights (decay_mult 0 on b).
    lr = decay = f32(0.1)
    w_new = w - lr * (gw * scale + decay * np.sign(w))
    b_new = b - lr * gb * scale
    solver.step(1)
    np.testing.assert_allclose(weights(solver)[0], w_new, rtol=1e-10)
    np.testing.assert_allclose(weights(solver)[1], b_new, rtol=1e-10)
    assert norm > 0.5  # the clipping really happened


@pytest.mark.parametrize('kind', ['SGD', 'Adam', 'AdaDelta'])
def test_snapshot_restore_continues_exactly(tmp_path, kind):
    fields = dict(type=f'"{kind}"', lr_policy='"multistep"', stepvalue=[3, 7], gamma=0.5,
                  momentum=0.9, base_lr=0.05)
    full = make_solver(tmp_path, **fields)
    full.step(10)
    expected = weights(full)

    first = make_solver(tmp_path, **fields)
    first.step(5)
    first.snapshot()
    assert (tmp_path / 'snap_iter_5.caffemodel').exists()
    assert (tmp_path / 'snap_iter_5.solverstate').exists()
    first.step(1)  # move on, so that restoring visibly goes back

    resumed = make_solver(tmp_path, **fields)
    resumed.restore(str(tmp_path / 'snap_iter_5.solverstate'))
    assert resumed.iter == 5
    resumed.step(5)
    assert resumed.iter == 10
    for a, b in zip(weights(resumed), expected):
        np.testing.assert_array_equal(a, b)


def test_solve_snapshots_and_test_nets(tmp_path):
    solver = make_solver(tmp_path, max_iter=4, snapshot_after_train='true', test_iter=1,
                         test_interval=2)
    assert len(solver.test_nets) == 1
    test_net = solver.test_nets[0]
    assert isinstance(solver.net, caffe.Net) and isinstance(test_net, caffe.Net)
    assert solver.net is solver.net
    test_net.blobs['x'].data[...] = X
    test_net.blobs['y'].data[...] = Y
    solver.solve()
    assert solver.iter == 4
    assert (tmp_path / 'snap_iter_4.caffemodel').exists()
    # The test net shares the trained weights.
    test_net.share_with(solver.net)
    out = test_net.forward()
    assert out['loss'] == pytest.approx(loss_of(*weights(solver)), rel=1e-9)
    # A plain caffe.Net loads the snapshot.
    net = caffe.Net(str(tmp_path / 'net.prototxt'), str(tmp_path / 'snap_iter_4.caffemodel'),
                    caffe.TEST, dtype=np.float64)
    np.testing.assert_array_equal(net.params['ip'][0].data, weights(solver)[0])


def test_legacy_solver_type_and_get_solver(tmp_path):
    solver = make_solver(tmp_path, solver_type='ADAM')
    assert solver.type == 'Adam' and isinstance(solver, caffe.AdamSolver)
    # The class overrides the file's type, as in BVLC pycaffe.
    solver = make_solver(tmp_path, cls=caffe.NesterovSolver, type='"Adam"')
    assert solver.type == 'Nesterov'
    assert set(RULES) <= set(caffe.solver_type_list())


@pytest.mark.parametrize('fields, message', [
    (dict(type='"Adamax"'), "solver has unknown type 'Adamax'"),
    (dict(lr_policy='"cosine"'), 'unknown lr_policy "cosine"'),
    (dict(lr_policy='"step"'), 'needs stepsize'),
    (dict(type='"AdaGrad"', momentum=0.9), 'momentum cannot be used with AdaGrad'),
    (dict(net='"missing.prototxt"'), "cannot open 'missing.prototxt'"),
    (dict(regularization_type='"L3"'), 'unknown regularization_type'),
    (dict(test_iter=2), 'test_interval must be > 0'),
])
def test_bad_solver_definitions(tmp_path, fields, message):
    with pytest.raises(caffe.CaffeError, match=message):
        make_solver(tmp_path, **fields)


def test_bad_restores_change_nothing(tmp_path):
    sgd = make_solver(tmp_path)
    sgd.step(2)
    sgd.snapshot()
    state = tmp_path / 'snap_iter_2.solverstate'
    corrupt = tmp_path / 'corrupt.solverstate'
    corrupt.write_bytes(state.read_bytes()[:40])
    adam = make_solver(tmp_path, type='"Adam"')
    before = weights(adam)
    with pytest.raises(caffe.FileError, match='not a valid binary'):
        adam.restore(str(corrupt))
    with pytest.raises(caffe.FileError, match='history blobs'):
        adam.restore(str(state))  # an SGD state has one history set, Adam needs two
    with pytest.raises(caffe.FileError, match='cannot open'):
        adam.restore(str(tmp_path / 'nothing.solverstate'))
    assert adam.iter == 0
    for a, b in zip(weights(adam), before):
        np.testing.assert_array_equal(a, b)


def test_restore_rejects_a_negative_current_step(tmp_path):
    # The multistep policy indexes stepvalue[current_step]; a state whose current_step is
    # negative made it read before the list (and crash when the list is empty).
    from caffe.proto import caffe_pb2
    solver = make_solver(tmp_path, lr_policy='"multistep"', gamma=0.5)
    solver.step(1)
    solver.snapshot()
    state = caffe_pb2.SolverState()
    state.ParseFromString((tmp_path / 'snap_iter_1.solverstate').read_bytes())
    state.current_step = -1
    bad = tmp_path / 'negative_step.solverstate'
    bad.write_bytes(state.SerializeToString())
    fresh = make_solver(tmp_path, lr_policy='"multistep"', gamma=0.5)
    with pytest.raises(caffe.FileError, match='current_step -1'):
        fresh.restore(str(bad))
    assert fresh.iter == 0


@pytest.mark.skipif(not caffe.has_gpu(), reason='no GPU')
@pytest.mark.parametrize('kind', sorted(RULES))
def test_gpu_matches_cpu(tmp_path, kind):
    rule, hyper = RULES[kind]
    results = []
    for mode in ('cpu', 'gpu'):
        solver = make_solver(tmp_path, type=f'"{kind}"', weight_decay=0.01, **hyper)
        if mode == 'gpu':
            caffe.set_mode_gpu()
        solver.step(3)
        results.append(weights(solver))
        caffe.set_mode_cpu()
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


GPU_OPTIONS = {
    'clip_gradients': dict(clip_gradients=0.05, momentum=0.9),
    'iter_size': dict(iter_size=3, momentum=0.9),
    'L1': dict(regularization_type='"L1"', weight_decay=0.03),
    'all-Adam': dict(type='"Adam"', clip_gradients=0.1, iter_size=2, regularization_type='"L1"',
                     weight_decay=0.01, momentum=0.9, momentum2=0.999, delta=1e-8),
}


@pytest.mark.skipif(not caffe.has_gpu(), reason='no GPU')
@pytest.mark.parametrize('dtype', [np.float64, np.float32], ids=['float64', 'float32'])
@pytest.mark.parametrize('options', sorted(GPU_OPTIONS))
def test_gpu_solver_options_match_cpu(tmp_path, options, dtype):
    """Gradient clipping (a norm over every parameter: a reduction on the device), gradients
    accumulated over iter_size passes, L1 regularisation (the sign of each weight), on the
    GPU in both precisions against the CPU."""
    fields = GPU_OPTIONS[options]
    results = []
    for mode in ('cpu', 'gpu'):
        solver = make_solver(tmp_path, dtype=dtype, **fields)
        if mode == 'gpu':
            caffe.set_mode_gpu()
        try:
            solver.step(4)
        finally:
            caffe.set_mode_cpu()
        results.append(weights(solver))
    tol = dict(rtol=1e-9, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, **tol)


def test_gpu_solver_options_clip(tmp_path):
    """The clip_gradients threshold above is below the test problem's gradient norm at the
    start, so those comparisons do run the clipping code."""
    solver = make_solver(tmp_path, **GPU_OPTIONS['clip_gradients'])
    solver.net.forward()
    solver.net.backward()
    norm = np.sqrt(sum(np.sum(p.diff ** 2) for p in solver.net.params['ip']))
    assert norm > 4 * GPU_OPTIONS['clip_gradients']['clip_gradients']


def test_unwritable_snapshot_prefix(tmp_path):
    with pytest.raises(caffe.FileError, match='snapshot_prefix .*does its directory exist'):
        make_solver(tmp_path, snapshot=10, snapshot_prefix='"%s"' % (tmp_path / 'no' / 'dir' / 's'))


INTERRUPT = """
import signal, sys, numpy as np
# Ctrl-C as in a terminal: the default disposition, unblocked. A child inherits an ignored
# SIGINT (and a blocked one) across exec, and Python then leaves it ignored: a test suite
# started in the background by a non-interactive shell (`scripts/test &`, nohup) has SIGINT
# ignored from the shell (POSIX: asynchronous commands without job control ignore SIGINT and
# SIGQUIT), and this test's Ctrl-C was never answered in such runs.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {{signal.SIGINT}})
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path[:0] = {path!r}
import caffe
solver = caffe.SGDSolver({solver!r})
print('ready', flush=True)
try:
    solver.step(10 ** 9)
except KeyboardInterrupt:
    print('interrupted at', solver.iter, flush=True)
"""


def test_ctrl_c_interrupts_step(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    solver = write_solver(tmp_path)
    script = INTERRUPT.format(path=sys.path, solver=str(solver))
    proc = subprocess.Popen([sys.executable, '-c', script], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline().strip() == 'ready'
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:     # a failed test leaves no training running behind it
            proc.kill()
            proc.wait()
    assert out.startswith('interrupted at ') and int(out.split()[-1]) > 0
