"""One thread pool: the library, BLAS and oneDNN share libgomp's OpenMP threads, sized by
OMP_NUM_THREADS (OpenBLAS's pthreads variant would bring a second pool that spin-waits
against it)."""
import os
import subprocess
import sys

from conftest import ROOT

PROBE = r'''
import os, sys
import numpy as np
import caffe
text = """name: "p" layer { name: "x" type: "Input" top: "x"
  input_param { shape { dim: 8 dim: 16 dim: 24 dim: 24 } } }
layer { name: "c" type: "Convolution" bottom: "x" top: "y"
  convolution_param { num_output: 16 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "ip" type: "InnerProduct" bottom: "y" top: "z" inner_product_param { num_output: 64 } }
"""
net = caffe.Net.from_string(text, caffe.TRAIN)
net.blobs['x'].data[...] = np.random.rand(*net.blobs['x'].data.shape)
for _ in range(3):
    net.forward()
maps = open('/proc/self/maps').read()
blas = sorted({line.split()[-1] for line in maps.splitlines() if 'libopenblas' in line})
print('BLAS', ';'.join(blas))
print('GOMP', int('libgomp' in maps))
print('THREADS', len(os.listdir('/proc/self/task')))
'''


def probe(threads):
    # OPENBLAS_NUM_THREADS=1 pins numpy's own bundled BLAS pool (a separate library).
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS='1',
               PYTHONPATH=os.path.join(ROOT, 'python'))
    out = subprocess.run([sys.executable, '-c', PROBE], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return dict(line.split(' ', 1) for line in out.stdout.strip().splitlines())


def test_openblas_is_the_openmp_build():
    result = probe(2)
    libs = result['BLAS'].split(';')
    ours = [lib for lib in libs if 'numpy' not in lib and 'scipy' not in lib]
    assert ours and all('openblas-openmp' in lib for lib in ours), libs
    assert result['GOMP'] == '1'


def test_thread_count_follows_omp_num_threads():
    """After convolutions and GEMMs the process holds its other threads plus the OpenMP
    pool's OMP_NUM_THREADS - 1 workers, and no second BLAS pool: three OpenMP threads mean
    exactly two more threads than one."""
    one, three = int(probe(1)['THREADS']), int(probe(3)['THREADS'])
    assert three - one == 2, (one, three)


def test_idle_threads_spin_briefly_by_default():
    """Unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT, pycaffe and the caffe command
    run with a spin count of 10000 (libgomp's default is 300000); a user's setting is kept."""
    from conftest import require_tool
    env = {k: v for k, v in os.environ.items() if k not in ('OMP_WAIT_POLICY', 'GOMP_SPINCOUNT')}
    env['PYTHONPATH'] = os.path.join(ROOT, 'python')
    code = 'import os, caffe; print(os.environ.get("GOMP_SPINCOUNT"))'
    for extra, expected in (({}, '10000'), ({'OMP_WAIT_POLICY': 'ACTIVE'}, 'None'),
                            ({'GOMP_SPINCOUNT': '5'}, '5')):
        out = subprocess.run([sys.executable, '-c', code], env=dict(env, **extra),
                             capture_output=True, text=True)
        assert out.stdout.strip() == expected, (extra, out.stderr)
    net = os.path.join(ROOT, 'benchmarks', 'nets', 'lenet.prototxt')
    for extra, expected in (({}, 'wait policy (default), spin count 10000'),
                            ({'OMP_WAIT_POLICY': 'PASSIVE'},
                             'wait policy PASSIVE, spin count (default)')):
        run_env = dict(env, OMP_NUM_THREADS='2', **extra)
        out = subprocess.run([require_tool('caffe'), 'time', f'-model={net}', '-iterations=1'],
                             env=run_env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr[-2000:]
        assert f'OpenMP: 2 threads (OMP_NUM_THREADS), {expected}' in out.stderr
