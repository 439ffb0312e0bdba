"""The documentation tells the truth: the worked SpatialTransformer examples in
docs/compatibility.md are what the layer computes, every relative link in the Markdown
files leads to a file (and heading) in the repository, and no file refers to folders
outside the repository."""
import os
import re

import numpy as np
import pytest

from caffe_test_utils import layer_forward
from conftest import ROOT

DOCS = os.path.join(ROOT, 'docs')
MARKDOWN = sorted([os.path.join(ROOT, 'README.md'), os.path.join(ROOT, 'models', 'README.md'),
                   os.path.join(ROOT, 'tests', 'fixtures', 'README.md'),
                   os.path.join(ROOT, 'examples', 'cluttered_mnist', 'README.md'),
                   os.path.join(ROOT, 'tools', 'annotate', 'README.md'),
                   os.path.join(ROOT, 'examples', 'document_orientation', 'README.md'),
                   os.path.join(ROOT, 'examples', 'rotation', 'README.md'),
                   os.path.join(ROOT, 'examples', 'document_localization', 'README.md'),
                   os.path.join(ROOT, 'examples', 'recurrent_st', 'README.md')] +
                  [os.path.join(DOCS, f) for f in os.listdir(DOCS) if f.endswith('.md')])


def matrices(text, label):
    """The number blocks that start with `label =` inside fenced code in `text`."""
    found = []
    for block in re.findall(r'```\n(.*?)```', text, re.S):
        if block.startswith(f'{label} ='):
            rows = [line.split('=')[-1].split() for line in block.strip().splitlines()]
            found.append(np.array(rows, dtype=float))
    return found


def test_worked_spatial_transformer_examples():
    text = open(os.path.join(DOCS, 'compatibility.md')).read()
    (U,) = matrices(text, 'U')
    np.testing.assert_array_equal(U, 10 * np.arange(4)[:, None] + np.arange(4)[None, :])
    examples = [  # (st_param, theta bottom row), in the order of the document
        ('theta_1_2: 0 theta_2_1: 0', [0.5, 0, 0.5, 0]),
        ('theta_1_1: 1 theta_1_2: 0 theta_2_1: 0 theta_2_2: 1 theta_2_3: 0', [0.5]),
        ('transform_type: "rotation"', [0.5]),
    ]
    documented = matrices(text, 'V')
    assert len(documented) == len(examples)
    for (param, theta), V in zip(examples, documented):
        assert f'st_param {{ {param} }}' in ' '.join(text.split())
        out = layer_forward(f'type: "SpatialTransformer" st_param {{ {param} }}',
                            {'U': U[None, None], 'theta': np.array([theta])},
                            dtype=np.float64)['out'][0, 0]
        np.testing.assert_allclose(out, V, atol=1e-12, err_msg=param)


def slug(heading):
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r'[^\w\- ]', '', heading.strip().lower())
    return text.replace(' ', '-')


LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')


@pytest.mark.parametrize('md', MARKDOWN, ids=lambda p: os.path.relpath(p, ROOT))
def test_relative_links_resolve(md):
    text = open(md).read()
    links = [l for l in LINK.findall(text) if not re.match(r'[a-z]+:', l)]
    for link in links:
        target, _, anchor = link.partition('#')
        path = os.path.normpath(os.path.join(os.path.dirname(md), target)) if target else md
        assert path.startswith(ROOT + os.sep) and os.path.exists(path), f'{link} in {md}'
        if anchor:
            headings = re.findall(r'^#+ (.*)$', open(path).read(), re.M)
            assert anchor in {slug(h) for h in headings}, f'{link} in {md}'


def test_readme_links_to_docs():
    readme = open(os.path.join(ROOT, 'README.md')).read()
    assert 'docs/README.md' in LINK.findall(readme)
    assert len(MARKDOWN) >= 8


SKIP_DIRS = {'.git', '__pycache__', '.pytest_cache', 'output', 'fixtures'}
TEXT = ('.py', '.md', '.prototxt', '.proto', '.cpp', '.hpp', '.cu', '.cuh', '.txt', '.sh')


def test_nothing_refers_outside_the_repository():
    # Spelled in pieces so that this file does not match itself.
    patterns = ['..' + '/shared', '/' + 'work/']
    offenders, scanned = [], 0
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith('build')
                   and os.path.relpath(os.path.join(folder, d), ROOT) != 'data']
        for name in files:
            path = os.path.join(folder, name)
            if not (name.endswith(TEXT) or name == 'CMakeLists.txt'
                    or os.path.relpath(folder, ROOT) == 'scripts'):
                continue
            scanned += 1
            text = open(path, errors='replace').read()
            offenders += [f'{os.path.relpath(path, ROOT)}: {p}' for p in patterns if p in text]
    assert scanned > 100
    assert offenders == []
