import contextlib
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
if os.path.join(ROOT, 'python') not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, 'python'))

# Everything the tests read lives in this repository: BVLC's definitions are copied into
# tests/fixtures/bvlc (see tests/fixtures/README.md), the built tools come from the build
# folder (CAFFE_BUILD_DIR, as for scripts/setup; default build/).
FIXTURES = os.path.join(HERE, 'fixtures', 'bvlc')
BUILD_DIR = os.environ.get('CAFFE_BUILD_DIR', os.path.join(ROOT, 'build'))
TOOLS = os.path.join(BUILD_DIR, 'tools')


@contextlib.contextmanager
def at_root():
    """Runs the block in the repository root (the examples' nets and solvers name their
    files relative to it, as BVLC's do), then returns to the previous folder."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(cwd)


def tool(name):
    """The path of one of this build's command-line tools (it may not exist yet)."""
    return os.path.join(TOOLS, name)


def require_tool(name):
    """The path of a built tool; fails the calling test (never skips) when it is missing."""
    path = tool(name)
    if not os.path.exists(path):
        pytest.fail(f'{path} is not built (cmake --build {BUILD_DIR})', pytrace=False)
    return path


# Importing an example script (several tests do, some while pytest collects them) may set
# GLOG_minloglevel for that script's own runs; in this process it would silence the logs
# of every tool later tests start and read. Collection and each test leave it as pytest
# found it. (Only this variable: `import caffe` sets others that must stay.)
_GLOG_LEVEL = os.environ.get('GLOG_minloglevel')


def _restore_glog_level():
    if os.environ.get('GLOG_minloglevel') != _GLOG_LEVEL:
        if _GLOG_LEVEL is None:
            del os.environ['GLOG_minloglevel']
        else:
            os.environ['GLOG_minloglevel'] = _GLOG_LEVEL


def pytest_collection_finish(session):
    _restore_glog_level()


@pytest.fixture(autouse=True)
def _glog_level():
    yield
    _restore_glog_level()


@pytest.fixture(autouse=True)
def _cpu_mode():
    import caffe
    caffe.set_mode_cpu()
    yield
    caffe.set_mode_cpu()


# The CPU engines every layer with a oneDNN path is tested on (tests that take the
# `engine` fixture run once per engine). DNNL is always listed: a build without oneDNN
# fails those runs instead of skipping them.
ENGINES = ['CAFFE', 'DNNL']


@pytest.fixture(params=ENGINES)
def engine(request):
    """Sets the default CPU engine for the nets the test builds; restores the default."""
    import caffe
    caffe.set_cpu_engine(request.param)
    yield request.param
    caffe.set_cpu_engine('DEFAULT')
