#!/usr/bin/env python3
"""Training speed on the CPU: ms per training iteration (forward, backward, SGD update)
of this project beside PyTorch and BVLC Caffe, measured in the same run.

    python3 benchmarks/train_step.py                      # all networks, threads = cores
    python3 benchmarks/train_step.py --nets st_cnn --iters 20 --threads 2
    python3 benchmarks/train_step.py --bvlc /tmp/seedfork/build/tools/caffe
    python3 benchmarks/train_step.py --gpu                # CUDA, beside PyTorch CUDA

Networks (benchmarks/nets/, batch 64, data already in memory):
  st_cnn     cluttered-MNIST ST-CNN: localisation net -> SpatialTransformer -> CNN, 60x60
  cnn        the same classifier without the transformer
  lenet      BVLC's LeNet on 28x28 digits
  googlenet  models/googlenet/deploy.prototxt, forward only, batch 8

PyTorch (optional: `pip install torch`) runs the same layers, built from the same prototxt
by a small converter below (Convolution -> conv2d, Pooling -> max/avg_pool2d with Caffe's
ceil rounding, LRN -> local_response_norm, SpatialTransformer -> affine_grid + grid_sample,
...), with torch.optim.SGD (momentum 0.9, weight decay 5e-4) as our solver. Each framework
and network runs in its own process, so "peak RSS" is that process's maximum resident
memory; "net RSS" subtracts what the process held after its imports (PyTorch's own
libraries take several hundred MB before any network exists).

BVLC Caffe (optional, --bvlc PATH to its `caffe` binary; default /tmp/seedfork/build/tools/caffe
when it exists) is timed with its `caffe time` (forward + backward, no update) beside
ours on the same prototxt. The last table is this project's `caffe time` per layer for
the ST-CNN: where an iteration's time goes.

Ratios < 1 mean this project is faster. Times are medians over --iters iterations after
three warm-up iterations; on a shared machine compare ratios, not absolute times.
"""
import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NETS = os.path.join(HERE, 'nets')
NETWORKS = {
    'st_cnn': (os.path.join(NETS, 'st_cnn.prototxt'), 'train'),
    'cnn': (os.path.join(NETS, 'cnn.prototxt'), 'train'),
    'lenet': (os.path.join(NETS, 'lenet.prototxt'), 'train'),
    'googlenet': (os.path.join(ROOT, 'models', 'googlenet', 'deploy.prototxt'), 'forward'),
}
GOOGLENET_BATCH = 8


def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def peak_rss_mb():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def load_net_param(path):
    sys.path.insert(0, os.path.join(ROOT, 'python'))
    from google.protobuf import text_format
    from caffe.proto import caffe_pb2
    param = caffe_pb2.NetParameter()
    with open(path) as f:
        text_format.Merge(f.read(), param)
    return param


def input_shapes(param, batch=None):
    shapes = {}
    for layer in param.layer:
        if layer.type == 'Input':
            for top, shape in zip(layer.top, layer.input_param.shape):
                dims = list(shape.dim)
                if batch:
                    dims[0] = batch
                shapes[top] = dims
    return shapes


def fill_inputs(shapes, rng):
    import numpy as np
    out = {}
    for name, dims in shapes.items():
        if name == 'label':
            out[name] = rng.randint(0, 10, size=dims).astype(np.float32)
        else:
            out[name] = rng.rand(*dims).astype(np.float32)
    return out


# ---------------------------------------------------------------- this project (worker)
def worker_caffe(name, iters, gpu):
    import numpy as np
    sys.path.insert(0, os.path.join(ROOT, 'python'))
    import caffe
    if gpu:
        caffe.set_mode_gpu()
    base = rss_mb()
    path, kind = NETWORKS[name]
    param = load_net_param(path)
    rng = np.random.RandomState(0)
    if kind == 'forward':
        batch = GOOGLENET_BATCH
        shapes = input_shapes(param, batch)
        net = caffe.Net(path, caffe.TEST)
        for blob, dims in shapes.items():
            net.blobs[blob].reshape(*dims)
        net.reshape()
        for blob, value in fill_inputs(shapes, rng).items():
            net.blobs[blob].data[...] = value
        last = len(net.layers) - 1
        out = net.outputs[0]

        def step():
            net._net._forward(0, last)
            float(net.blobs[out].data.flat[0])  # waits for the device
    else:
        with tempfile.NamedTemporaryFile('w', suffix='.prototxt', delete=False) as f:
            f.write(f'net: "{path}"\nbase_lr: 0.01\nmomentum: 0.9\nweight_decay: 0.0005\n'
                    'lr_policy: "fixed"\nmax_iter: 1000000\ndisplay: 0\nsnapshot: 0\n'
                    'random_seed: 1\n')
            solver_path = f.name
        solver = caffe.get_solver(solver_path)
        os.unlink(solver_path)
        for blob, value in fill_inputs(input_shapes(param), rng).items():
            solver.net.blobs[blob].data[...] = value
        # step() reads the loss back to the host, which waits for the device.
        step = lambda: solver.step(1)  # noqa: E731
    return run_steps(step, iters, base)


def run_steps(step, iters, base):
    for _ in range(3):
        step()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    return {'ms': median(times), 'min_ms': min(times), 'peak_rss': peak_rss_mb(),
            'net_rss': peak_rss_mb() - base}


# ---------------------------------------------------------------- PyTorch (worker)
def torch_module(param, torch):
    """A torch.nn.Module that runs the prototxt's layers in order on a dict of blobs."""
    import numpy as np
    nn, F = torch.nn, torch.nn.functional

    def conv_geom(p):
        k = list(p.kernel_size) or [p.kernel_h, p.kernel_w]
        s = list(p.stride) or ([p.stride_h, p.stride_w] if p.stride_h else [1])
        pad = list(p.pad) or ([p.pad_h, p.pad_w] if p.pad_h or p.pad_w else [0])
        d = list(p.dilation) or [1]
        two = lambda v: (v[0], v[-1])  # noqa: E731
        return two(k), two(s), two(pad), two(d)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.steps = []
            self.mods = nn.ModuleDict()
            shapes = {}
            for layer in param.layer:
                t = layer.type
                key = re.sub(r'\W', '_', layer.name)
                if t == 'Input':
                    for top, shape in zip(layer.top, layer.input_param.shape):
                        shapes[top] = list(shape.dim)
                    continue
                x_shape = shapes[layer.bottom[0]]
                if t == 'Convolution':
                    p = layer.convolution_param
                    k, s, pad, d = conv_geom(p)
                    m = nn.Conv2d(x_shape[1], p.num_output, k, s, pad, d, groups=p.group or 1,
                                  bias=p.bias_term)
                    self.mods[key] = m
                    fn = m
                elif t == 'InnerProduct':
                    p = layer.inner_product_param
                    m = nn.Linear(int(np.prod(x_shape[1:])), p.num_output, bias=p.bias_term)
                    if p.weight_filler.type == 'constant':
                        nn.init.constant_(m.weight, p.weight_filler.value)
                    if p.bias_filler.type == 'file':
                        values = open(os.path.join(NETS, p.bias_filler.file)).read().split()
                        with torch.no_grad():
                            m.bias.copy_(torch.tensor([float(v) for v in values]))
                    self.mods[key] = m
                    fn = (lambda m: lambda x: m(x.flatten(1)))(m)
                elif t == 'Pooling':
                    p = layer.pooling_param
                    k = p.kernel_size or p.kernel_h
                    s = p.stride or p.stride_h or 1
                    pad = p.pad or p.pad_h
                    if p.global_pooling:
                        fn = (lambda ave: lambda x: (F.adaptive_avg_pool2d if ave else
                                                     F.adaptive_max_pool2d)(x, 1))(p.pool == 1)
                    elif p.pool == 0:
                        fn = (lambda k, s, pad: lambda x: F.max_pool2d(
                            x, k, s, pad, ceil_mode=True))(k, s, pad)
                    else:
                        fn = (lambda k, s, pad: lambda x: F.avg_pool2d(
                            x, k, s, pad, ceil_mode=True))(k, s, pad)
                elif t == 'ReLU':
                    fn = F.relu
                elif t == 'LRN':
                    p = layer.lrn_param
                    fn = (lambda p: lambda x: F.local_response_norm(
                        x, p.local_size, p.alpha, p.beta, p.k))(p)
                elif t == 'Dropout':
                    fn = (lambda r: lambda x: F.dropout(x, r, self.training))(
                        layer.dropout_param.dropout_ratio)
                elif t == 'Concat':
                    fn = lambda *xs: torch.cat(xs, 1)  # noqa: E731
                elif t == 'Softmax':
                    fn = lambda x: F.softmax(x, 1)  # noqa: E731
                elif t == 'SoftmaxWithLoss':
                    fn = lambda x, y: F.cross_entropy(x, y.long())  # noqa: E731
                elif t == 'SpatialTransformer':
                    p = layer.st_param
                    fn = (lambda h, w: lambda u, th: F.grid_sample(
                        u, F.affine_grid(th.view(-1, 2, 3), (u.shape[0], u.shape[1], h, w),
                                         align_corners=False), align_corners=False))(
                        p.output_H or x_shape[2], p.output_W or x_shape[3])
                else:
                    raise NotImplementedError(f'no PyTorch equivalent for layer type {t}')
                self.steps.append((fn, list(layer.bottom), list(layer.top)))
                with torch.no_grad():  # track shapes for the next layers' sizes
                    dummy = [torch.zeros(shapes[b]) for b in layer.bottom]
                    if t == 'SoftmaxWithLoss':
                        out = torch.zeros(())
                    else:
                        out = fn(*dummy)
                for top in layer.top:
                    shapes[top] = list(out.shape)

        def forward(self, blobs):
            blobs = dict(blobs)
            for fn, bottoms, tops in self.steps:
                out = fn(*[blobs[b] for b in bottoms])
                blobs[tops[0]] = out
            return out

    return Net()


def worker_torch(name, iters, threads, gpu):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    device = torch.device('cuda' if gpu else 'cpu')
    sync = torch.cuda.synchronize if gpu else (lambda: None)
    base = rss_mb()
    path, kind = NETWORKS[name]
    param = load_net_param(path)
    rng = np.random.RandomState(0)
    batch = GOOGLENET_BATCH if kind == 'forward' else None
    shapes = input_shapes(param, batch)
    model = torch_module(param, torch).to(device)
    inputs = {k: torch.from_numpy(v).to(device) for k, v in fill_inputs(shapes, rng).items()}
    if kind == 'forward':
        model.eval()

        def step():
            with torch.no_grad():
                model(inputs)
            sync()
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

        def step():
            opt.zero_grad()
            model(inputs).backward()
            opt.step()
            sync()
    return run_steps(step, iters, base)


# ---------------------------------------------------------------- caffe time (BVLC and ours)
def caffe_time(binary, model, iters, env):
    """Average forward-backward ms and per-layer (forward, backward) ms from `caffe time`."""
    out = subprocess.run([binary, 'time', f'-model={model}', f'-iterations={iters}'],
                         cwd=NETS, env=env, capture_output=True, text=True)
    text = out.stdout + out.stderr
    total = re.search(r'Average Forward-Backward: ([\d.]+) ms', text)
    layers = {}
    for m in re.finditer(r'\]\s+(\S+)\s+(forward|backward): ([\d.e-]+) ms', text):
        layers.setdefault(m.group(1), [0.0, 0.0])[m.group(2) == 'backward'] = float(m.group(3))
    if not total:
        return None, {}, text[-2000:]
    return float(total.group(1)), layers, ''


def run_worker(args_list, env):
    out = subprocess.run([sys.executable, os.path.abspath(__file__)] + args_list, cwd=NETS,
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        return {'error': (out.stderr or out.stdout).strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def fmt(v, spec='.1f'):
    return '-' if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--nets', default=','.join(NETWORKS))
    ap.add_argument('--iters', type=int, default=10)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--engine', default='', help='CAFFE or DNNL (default: the build default)')
    ap.add_argument('--bvlc', default='/tmp/seedfork/build/tools/caffe',
                    help="BVLC Caffe's caffe binary (skipped when missing)")
    ap.add_argument('--no-torch', action='store_true')
    ap.add_argument('--gpu', action='store_true',
                    help='run on the GPU (PyTorch on CUDA); BVLC Caffe is CPU-only and skipped')
    ap.add_argument('--worker', nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        framework, name = args.worker
        result = (worker_caffe(name, args.iters, args.gpu) if framework == 'caffe'
                  else worker_torch(name, args.iters, args.threads, args.gpu))
        print(json.dumps(result))
        return

    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    if args.engine:
        env['CAFFE_ENGINE'] = args.engine
    # Only look: importing torch here would inflate the workers' memory figures.
    have_torch = not args.no_torch and importlib.util.find_spec('torch') is not None
    ours_bin = os.path.join(os.environ.get('CAFFE_BUILD_DIR', os.path.join(ROOT, 'build')),
                            'tools', 'caffe')
    bvlc = args.bvlc if os.path.exists(args.bvlc) and not args.gpu else None
    names = [n for n in args.nets.split(',') if n]
    print(f'# {"GPU" if args.gpu else "CPU"}, {args.threads} threads, {args.iters} timed iterations, engine '
          f'{args.engine or "default"}; torch: {"yes" if have_torch else "no"}; '
          f'BVLC caffe: {bvlc or "not found"}')

    rows = []
    for name in names:
        common = ['--iters', str(args.iters), '--threads', str(args.threads)] + \
            (['--gpu'] if args.gpu else [])
        ours = run_worker(common + ['--worker', 'caffe', name], env)
        theirs = run_worker(common + ['--worker', 'torch', name], env) if have_torch else None
        rows.append((name, ours, theirs))

    print('\n## Training iteration (forward + backward + SGD update); googlenet: forward, batch 8')
    print(f'| network | this project ms | PyTorch ms | ratio | this project peak / net RSS MB '
          f'| PyTorch peak / net RSS MB |')
    print('|---|---|---|---|---|---|')
    for name, ours, theirs in rows:
        if 'error' in ours:
            print(f'| {name} | error: {ours["error"]} | | | | |')
            continue
        t_ms = theirs.get('ms') if theirs and 'error' not in theirs else None
        ratio = ours['ms'] / t_ms if t_ms else None
        t_rss = (f'{theirs["peak_rss"]:.0f} / {theirs["net_rss"]:.0f}'
                 if t_ms else (theirs or {}).get('error', '-'))
        print(f'| {name} | {ours["ms"]:.1f} | {fmt(t_ms)} | {fmt(ratio, ".2f")} | '
              f'{ours["peak_rss"]:.0f} / {ours["net_rss"]:.0f} | {t_rss} |')
    print('(targets: ratio at most 1.0, aim 0.8; peak RSS no more than PyTorch\'s)')
    times = {name: ours.get('ms') for name, ours, _ in rows}
    if times.get('st_cnn') and times.get('cnn'):
        extra = 100.0 * (times['st_cnn'] / times['cnn'] - 1)
        print(f'The transformer and its localisation net add {extra:.0f}% to the CNN\'s '
              'training iteration (target: at most 15%).')

    train_names = [n for n in names if NETWORKS[n][1] == 'train']
    if os.path.exists(ours_bin) and train_names and not args.gpu:
        print('\n## `caffe time` (forward + backward, no update), same prototxt')
        print('| network | this project ms | BVLC Caffe ms | ratio |')
        print('|---|---|---|---|')
        per_layer = None
        for name in train_names:
            model = NETWORKS[name][0]
            ours_ms, layers, err = caffe_time(ours_bin, model, args.iters, env)
            if name == 'st_cnn':
                per_layer = layers
            bvlc_ms, bvlc_layers, bvlc_err = (caffe_time(bvlc, model, args.iters, env)
                                              if bvlc else (None, {}, ''))
            if name == 'st_cnn':
                per_layer_bvlc = bvlc_layers
            note = ' (BVLC failed: ' + bvlc_err.strip().splitlines()[-1] + ')' if bvlc_err else ''
            print(f'| {name} | {fmt(ours_ms)} | {fmt(bvlc_ms)} | '
                  f'{fmt(ours_ms / bvlc_ms if ours_ms and bvlc_ms else None, ".2f")} |{note}')
        print('(target: ratio at most 0.5, i.e. at least twice as fast as BVLC Caffe)')
        if per_layer:
            print('\n## ST-CNN per layer (`caffe time`, ms): where the time goes')
            print('| layer | forward | backward | BVLC forward | BVLC backward |')
            print('|---|---|---|---|---|')
            for layer, (f, b) in sorted(per_layer.items(), key=lambda kv: -sum(kv[1])):
                if f + b < 0.05:
                    continue
                bf, bb = per_layer_bvlc.get(layer, (None, None))
                print(f'| {layer} | {f:.2f} | {b:.2f} | {fmt(bf, ".2f")} | {fmt(bb, ".2f")} |')


if __name__ == '__main__':
    main()
