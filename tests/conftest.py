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


def tool(name):
    """The path of one of this build's command-line tools (it may not exist yet)."""
    return os.path.join(TOOLS, name)


def require_tool(name):
    """The path of a built tool; fails the calling test (never skips) when it is missing."""
    path = tool(name)
    if not os.path.exists(path):
        pytest.fail(f'{path} is not built (cmake --build {BUILD_DIR})', pytrace=False)
    return path


# The environment the tests run in is the one pytest started with. Importing an example
# script (as several tests do, some while pytest collects them) sets variables for that
# script's own runs -- CAFFE_EXAMPLE_SCRIPT, and through it GLOG_minloglevel, which would
# silence the logs of every tool a later test starts and reads. Collection and each test
# therefore give the environment back as they found it.
_ENVIRONMENT = dict(os.environ)


def _restore_environment(saved):
    for key in [k for k in os.environ if k not in saved]:
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def pytest_collection_finish(session):
    _restore_environment(_ENVIRONMENT)


@pytest.fixture(autouse=True)
def _environment():
    saved = dict(os.environ)
    yield
    _restore_environment(saved)


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
