"""pycaffe: Python interface to this Caffe build.

    import caffe
    caffe.set_mode_cpu()
    net = caffe.Net('net.prototxt', caffe.TEST)            # or Net(path, weights, phase)
    net.blobs['data'].data[...] = image
    out = net.forward()
"""
import os as _os

# Idle OpenMP threads spin briefly, then sleep, unless the user chose otherwise (see
# docs/cpu_engines.md; the caffe command does the same). OpenMP reads this when it loads,
# i.e. with the module below, unless another library of the process loaded it before.
if 'OMP_WAIT_POLICY' not in _os.environ and 'GOMP_SPINCOUNT' not in _os.environ:
    _os.environ['GOMP_SPINCOUNT'] = '10000'

# CAFFE_PYCAFFE_DIR: a folder holding another build's compiled module (its PYCAFFE_OUTPUT_DIR),
# loaded instead of the one in this folder; scripts/sanitize runs the tests on its
# sanitizer build this way, subprocesses and the caffe command's Python layers included.
if _os.environ.get('CAFFE_PYCAFFE_DIR'):
    __path__.insert(0, _os.environ['CAFFE_PYCAFFE_DIR'])

from ._caffe import (TRAIN, TEST, CaffeError, ParseError, ShapeError, FileError, DeviceError,
                     set_mode_cpu, set_mode_gpu, set_device, set_random_seed, has_gpu,
                     cuda_built, device_count, layer_type_list, set_solver_count,
                     solver_count, set_solver_rank, solver_rank, has_nccl, dnnl_built,
                     set_cpu_engine, cpu_engine, init_log, log, set_deterministic,
                     deterministic, __version__)
from .pycaffe import Net, Blob, Layer, CppLayer, upgrade_net_param
from ._caffe import solver_type_list
from .solver import (Solver, SGDSolver, NesterovSolver, AdaGradSolver, RMSPropSolver,
                     AdaDeltaSolver, AdamSolver, get_solver)
from .timer import Timer
from . import io
from .net_spec import layers, params, NetSpec, to_proto
from .classifier import Classifier
from .detector import Detector

__all__ = ['TRAIN', 'TEST', 'Net', 'Blob', 'Layer', 'CppLayer', 'CaffeError', 'ParseError',
           'ShapeError', 'FileError', 'DeviceError', 'set_mode_cpu', 'set_mode_gpu',
           'set_device', 'set_deterministic', 'deterministic', 'set_random_seed', 'has_gpu',
           'cuda_built', 'device_count',
           'dnnl_built', 'set_cpu_engine', 'cpu_engine', 'layer_type_list', 'io', 'layers',
           'params', 'NetSpec', 'to_proto', 'Solver', 'SGDSolver', 'NesterovSolver',
           'AdaGradSolver', 'RMSPropSolver', 'AdaDeltaSolver', 'AdamSolver', 'get_solver',
           'solver_type_list', 'set_solver_count', 'solver_count', 'set_solver_rank',
           'solver_rank', 'has_nccl', 'init_log', 'log', 'Timer', 'Classifier', 'Detector',
           'upgrade_net_param',
           '__version__']
