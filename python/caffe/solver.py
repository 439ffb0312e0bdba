"""Solvers as BVLC pycaffe offers them::

    solver = caffe.SGDSolver('solver.prototxt')     # or caffe.get_solver(path)
    solver.net.blobs['data'].data[...] = batch
    solver.step(100)
    solver.test_nets[0].forward()
    solver.snapshot(); solver.restore('x_iter_100.solverstate')

``solver.net`` and ``solver.test_nets`` are ``caffe.Net`` objects sharing memory with the
solver's nets. ``dtype=np.float64`` trains in double precision.
"""
import numpy as np

from . import _caffe
from .pycaffe import Net
from .proto import caffe_pb2

_CREATE = {np.dtype(np.float32): _caffe.create_solver_float32,
           np.dtype(np.float64): _caffe.create_solver_float64}


class Solver:
    """A solver built from a solver prototxt; its `type` field picks the update rule."""
    _type = ''  # subclasses force their own type, as BVLC's SGDSolver(...) etc. do

    def __init__(self, solver_file, dtype=np.float32):
        dtype = np.dtype(dtype)
        if dtype not in _CREATE:
            raise TypeError(f'dtype must be float32 or float64, got {dtype}')
        self._solver = _CREATE[dtype](str(solver_file), self._type)
        self.dtype = dtype
        self._net = None
        self._test_nets = None

    @property
    def net(self):
        """The training net (a caffe.Net)."""
        if self._net is None:
            self._net = Net._wrap(self._solver.net)
        return self._net

    @property
    def test_nets(self):
        """The test nets (caffe.Net objects), one per test_iter entry."""
        if self._test_nets is None:
            self._test_nets = [Net._wrap(n) for n in self._solver.test_nets]
        return self._test_nets

    @property
    def iter(self):
        return self._solver.iter

    @property
    def type(self):
        return self._solver.type

    @property
    def param(self):
        """The SolverParameter in use (a caffe_pb2.SolverParameter copy)."""
        return caffe_pb2.SolverParameter.FromString(self._solver.param_bytes)

    @property
    def smoothed_loss(self):
        return self._solver.smoothed_loss

    def step(self, iters):
        """Runs `iters` training iterations (tests and snapshots as the solver file says)."""
        self._solver.step(int(iters))

    def solve(self, resume_file=None):
        """Trains up to max_iter, first restoring from `resume_file` when given."""
        self._solver.solve(None if resume_file is None else str(resume_file))

    def test_all(self):
        self._solver.test_all()

    def apply_update(self):
        """Updates the weights from the gradients now in the training net (one solver step
        without forward/backward, for custom training loops)."""
        self._solver.apply_update()

    def add_callback(self, on_start, on_gradients_ready):
        """Calls on_start() at the start of every iteration and on_gradients_ready() once
        its gradients are computed, before the update (BVLC's Solver.add_callback). An
        exception either raises is raised from step()/solve() as caffe.CaffeError."""
        self._solver.add_callback(on_start, on_gradients_ready)

    def share_weights(self, net):
        """Makes `net` use this solver's training weights (same memory) for every layer of
        the same name, e.g. a deploy net that should follow training."""
        net.share_with(self.net)

    def snapshot(self):
        """Writes <snapshot_prefix>_iter_N.caffemodel and .solverstate."""
        self._solver.snapshot()

    def restore(self, state_file):
        """Continues from a .solverstate (and the .caffemodel it names)."""
        self._solver.restore(str(state_file))

    def __repr__(self):
        return f'<caffe.{type(self).__name__} type={self.type!r} iter={self.iter}>'


class SGDSolver(Solver):
    _type = 'SGD'


class NesterovSolver(Solver):
    _type = 'Nesterov'


class AdaGradSolver(Solver):
    _type = 'AdaGrad'


class RMSPropSolver(Solver):
    _type = 'RMSProp'


class AdaDeltaSolver(Solver):
    _type = 'AdaDelta'


class AdamSolver(Solver):
    _type = 'Adam'


_BY_TYPE = {cls._type: cls for cls in (SGDSolver, NesterovSolver, AdaGradSolver, RMSPropSolver,
                                       AdaDeltaSolver, AdamSolver)}


def get_solver(solver_file, dtype=np.float32):
    """Builds the solver named by the file's `type` (or legacy solver_type)."""
    solver = Solver(solver_file, dtype)
    cls = _BY_TYPE.get(solver.type)
    if cls is not None:
        solver.__class__ = cls
    return solver
