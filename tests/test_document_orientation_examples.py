"""examples/document_orientation/run.py and examples/rotation/run.py run end to end on a
tiny set (4 training and 2 held-out photographs, 2 crops per training photograph, 4
iterations) made in a folder of their own (--data): each trains a copy of its committed
net reading that folder, writes results.json, its table and its figure, and its summary
is the errors of its snapshot's predictions on the held-out crops, recomputed here from
the deploy net; the rotation script reuses the orientation script's data and prints its
table row beside its own; the repository's data/documents is left alone."""
import importlib.util
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, require_tool

ORIENTATION = os.path.join(ROOT, 'examples', 'document_orientation')
ROTATION = os.path.join(ROOT, 'examples', 'rotation')
REPO_DATA = os.path.join(ROOT, 'data', 'documents')
TINY = ['--train-docs', '4', '--test-docs', '2', '--samples', '2', '--iters', '4',
        '--workers', '1', '--threads', '1', '--quiet']
HELD_OUT = 2 * 5            # the held-out photographs times the 5 crops of each
spec = importlib.util.spec_from_file_location('doc_common', os.path.join(ORIENTATION,
                                                                         'doc_common.py'))
common = importlib.util.module_from_spec(spec)
spec.loader.exec_module(common)


def files_under(folder):
    """{path: (size, mtime)} of every file below folder (empty when it does not exist),
    but LMDB's lock files, which readers write."""
    found = {}
    for top, _, names in os.walk(folder):
        for name in names:
            if name == 'lock.mdb':
                continue
            st = os.stat(os.path.join(top, name))
            found[os.path.join(top, name)] = (st.st_size, st.st_mtime_ns)
    return found


def at_root(path):
    """A path the nets, solvers and printed lines give relative to the repository root
    (where `caffe train` runs), made absolute."""
    return os.path.normpath(os.path.join(ROOT, path))


def run_script(script, args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, script] + args, capture_output=True, text=True,
                          timeout=300, cwd=str(cwd), env=env)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Both scripts on one tiny data folder, run from a temporary folder with relative
    --data and --out: {'root', 'orientation', 'rotation' (their stdout), 'data' (the files
    of the data folder after each run), 'repo_data' (data/documents before and after)}."""
    require_tool('caffe')
    root = tmp_path_factory.mktemp('docex')
    repo_before = files_under(REPO_DATA)
    found = dict(root=root, data={})
    for name, script, extra in (
            ('orientation', os.path.join(ORIENTATION, 'run.py'), []),
            ('rotation', os.path.join(ROTATION, 'run.py'), ['--affine-out', 'orientation'])):
        result = run_script(script, TINY + ['--data', 'data', '--out', name] + extra, root)
        assert result.returncode == 0, result.stderr[-3000:]
        found[name] = result.stdout
        found['data'][name] = files_under(root / 'data')
    found['repo_data'] = (repo_before, files_under(REPO_DATA))
    return found


def held_out(data):
    """The held-out crops as the nets see them ((pixel - 128) / 128, the committed nets'
    transform) and their true angles, read from the LMDB and labels.h5 directly."""
    import h5py
    import caffe.io
    from caffe.proto import caffe_pb2
    records = list(caffe.io.read_db(str(data / 'test_crops' / 'crops_lmdb')))
    images = np.stack([caffe.io.datum_to_array(caffe_pb2.Datum.FromString(v))
                       for _, v in records]).astype(np.float32)
    with h5py.File(data / 'test_crops' / 'labels.h5', 'r') as f:
        angles = f['angle'][...].astype(np.float64)
    assert len(images) == len(angles) == HELD_OUT
    return (images - 128) / 128, angles


def deploy_outputs(model, weights, images, blob):
    import caffe
    net = caffe.Net(os.path.join(ROOT, 'models', model, 'deploy.prototxt'), str(weights),
                    caffe.TEST)
    net.blobs['data'].reshape(*images.shape)
    net.reshape()
    net.blobs['data'].data[...] = images
    net.forward()
    return net.blobs[blob].data.astype(np.float64).copy()


def check_summary(summary, predicted, true):
    """The run's summary against the errors of `predicted` (degrees), wrapped into
    [0, 180], computed here."""
    err = np.array([abs((p - t + 180) % 360 - 180) for p, t in zip(predicted, true)])
    assert summary['n'] == HELD_OUT
    assert summary['median'] == pytest.approx(np.median(err), abs=1e-3)
    assert summary['mean'] == pytest.approx(err.mean(), abs=1e-3)
    assert summary['p90'] == pytest.approx(np.percentile(err, 90), abs=1e-3)
    assert summary['within5'] == pytest.approx(np.mean(err < 5))
    assert summary['flipped'] == pytest.approx(np.mean(err > 90))
    return err


def table_rows(stdout):
    """{name: [cells]} of the rows of the printed table."""
    rows = {}
    for line in stdout.splitlines():
        if line.startswith('| ') and not line.startswith('| net |'):
            cells = [c.strip() for c in line.strip('|').split('|')]
            rows[cells[0]] = cells[1:]
    return rows


def check_run(runs, name, model, transform):
    """What both scripts write: results.json, the run's net and solver reading the tiny
    data, the snapshot, the figure; returns (results, the output folder)."""
    root = runs['root']
    out, data = root / name, root / 'data'
    stdout = runs[name]
    result = json.loads((out / 'results.json').read_text())
    assert result['model'] == model and result['iterations'] == 4
    assert result['transform'] == transform and result['threads'] == 1
    assert (out / f'{model}_iter_4.caffemodel').is_file()
    assert f'training {model} for 4 iterations' in stdout
    # The run trained a copy of the committed net reading the tiny data folder.
    from google.protobuf import text_format
    from caffe.proto import caffe_pb2
    solver = caffe_pb2.SolverParameter()
    text_format.Merge((out / 'solver.prototxt').read_text(), solver)
    assert at_root(solver.net) == str(out / 'train_test.prototxt')
    assert solver.max_iter == 4 and list(solver.stepvalue) == [2, 3]
    net = caffe_pb2.NetParameter()
    text_format.Merge((out / 'train_test.prototxt').read_text(), net)
    sources = sorted(at_root(s)
                     for l in net.layer for s in (l.data_param.source, l.hdf5_data_param.source)
                     if s)
    assert sources == sorted(str(data / f'{split}_crops' / f) for split in ('train', 'test')
                             for f in ('crops_lmdb', 'labels.txt'))
    log = (out / 'train.log').read_text()
    assert 'Snapshotting to binary proto file ' + \
        os.path.relpath(out / f'{model}_iter_4.caffemodel', ROOT) in log
    # The figure.
    fig = re.search(r'^figure: (\S+); total', stdout, re.M).group(1)
    assert at_root(fig) == str(out / 'figure.png')
    with open(out / 'figure.png', 'rb') as f:
        head = f.read(8)
    assert head == b'\x89PNG\r\n\x1a\n' and (out / 'figure.png').stat().st_size > 1000
    return result, out


def check_row(cells, errors, iterations=4):
    """A table row's cells against the errors computed here."""
    assert float(cells[0]) == pytest.approx(np.median(errors), abs=0.006)
    assert float(cells[1]) == pytest.approx(errors.mean(), abs=0.006)
    assert float(cells[2]) == pytest.approx(np.percentile(errors, 90), abs=0.006)
    assert cells[3] == f'{100 * np.mean(errors < 5):.1f}%'
    assert cells[4] == f'{100 * np.mean(errors > 90):.1f}%'
    assert int(cells[6]) == iterations


def measured(runs, name, model, transform, blob):
    """check_run, then the deploy net with the run's last snapshot on the held-out crops:
    (results.json, the `blob` of each crop, the true angles, the run's stdout)."""
    result, out = check_run(runs, name, model, transform)
    images, true = held_out(runs['root'] / 'data')
    outputs = deploy_outputs(model, out / f'{model}_iter_4.caffemodel', images, blob)
    return result, outputs, true, runs[name]


def test_orientation_run_measures_its_snapshot(runs):
    result, theta, true, stdout = measured(runs, 'orientation', 'document_orientation',
                                           'affine (6 numbers)', 'theta_pred')
    assert theta.shape == (HELD_OUT, 6)
    # The rotation nearest to theta's 2x2 part [[t11, t12], [t21, t22]].
    predicted = [math.degrees(math.atan2(t[3] - t[1], t[0] + t[4])) for t in theta]
    errors = check_summary(result['summary'], predicted, true)
    rows = table_rows(stdout)
    assert list(rows) == ['document_orientation (theta, 6 numbers)']
    check_row(rows['document_orientation (theta, 6 numbers)'], errors)
    m = re.search(r'^median orientation error: ([\d.]+) degrees \(([\d.]+)% within 5 degrees\)$',
                  stdout, re.M)
    assert float(m.group(1)) == pytest.approx(np.median(errors), abs=0.006)
    assert m.group(2) == f'{100 * np.mean(errors < 5):.1f}'
    check_groups(result['summary']['groups'], errors, runs['root'] / 'data', stdout)
    # It made the data: both splits, photographs then crops.
    assert set(result['data_seconds']) == {'test photographs', 'test crops',
                                          'train photographs', 'train crops'}
    for step in result['data_seconds']:
        assert re.search(rf'^{step}: \d+ s$', stdout, re.M)


def check_groups(groups, errors, data, stdout):
    """The summary's medians per page shape and per class against the errors grouped here
    by the held-out annotation each crop was cut from (labels.h5's `annotation` indexes
    the rows of test/annotations.csv); the printed line gives the same."""
    import h5py
    rows = [line.split(',') for line in (data / 'test' / 'annotations.csv').read_text().splitlines()
            if line and not line.startswith('image,')]
    with h5py.File(data / 'test_crops' / 'labels.h5', 'r') as f:
        picked = [rows[int(a)] for a in f['annotation'][...]]
    shape = np.array(['landscape' if float(r[4]) > float(r[5]) else 'portrait' for r in picked])
    cls = np.array([r[1] for r in picked])
    expected = {}
    for keys in (shape, cls):
        for name in set(keys):
            expected[name] = (np.median(errors[keys == name]), int((keys == name).sum()))
    assert set(groups) == set(expected)
    line = next(l for l in stdout.splitlines() if l.startswith('median error by page shape'))
    for name, (median, n) in expected.items():
        assert groups[name]['median'] == pytest.approx(median, abs=1e-3)
        assert groups[name]['n'] == n
        assert f'{name} {groups[name]["median"]:.2f} ({n})' in line
    # the photographs were made with the examples' share of landscape pages
    made = json.loads((data / 'test' / 'made_with.json').read_text())
    assert made.get('landscape') == common.LANDSCAPE
    assert made['docs'] == 2


def test_rotation_run_measures_its_snapshot_beside_the_orientation_row(runs):
    result, beta, true, stdout = measured(runs, 'rotation', 'document_rotation',
                                          'rotation (1 number)', 'beta_pred')
    assert beta.shape == (HELD_OUT, 1)
    errors = check_summary(result['summary'], 180 * beta[:, 0], true)  # beta: units of 180 deg
    rows = table_rows(stdout)
    # Its own row, after the 6-number net's row from the orientation run's results.json.
    assert list(rows) == ['document_orientation (theta, 6 numbers)',
                          'document_rotation (rotation, 1 number)']
    check_row(rows['document_rotation (rotation, 1 number)'], errors)
    orientation_row = next(l for l in runs['orientation'].splitlines()
                           if l.startswith('| document_orientation '))
    assert orientation_row in stdout.splitlines()
    m = re.search(r'^median orientation error: ([\d.]+) degrees$', stdout, re.M)
    assert float(m.group(1)) == pytest.approx(np.median(errors), abs=0.006)
    assert 'data_seconds' not in result


def test_the_data_are_made_once_in_the_data_folder_only(runs):
    after_orientation, after_rotation = runs['data']['orientation'], runs['data']['rotation']
    data = runs['root'] / 'data'
    for split, docs in (('train', 4), ('test', 2)):
        assert sorted(p.name for p in (data / split).glob('*.jpg')) == \
            [f'doc_{i:05d}.jpg' for i in range(docs)]
    import h5py
    with h5py.File(data / 'train_crops' / 'labels.h5', 'r') as f:
        assert len(f['angle']) == 4 * 2
    # The rotation script found the same settings and touched nothing.
    assert after_rotation == after_orientation
    before, after = runs['repo_data']
    assert after == before
    assert not any(str(runs['root']) in p for p in after)


def test_the_runs_net_reads_the_named_data_folder(tmp_path):
    from google.protobuf import text_format
    from caffe.proto import caffe_pb2

    def read(path):
        net = caffe_pb2.NetParameter()
        text_format.Merge(open(path).read(), net)
        return net

    for model in ('document_orientation', 'document_rotation'):
        committed = read(os.path.join(ROOT, 'models', model, 'train_test.prototxt'))
        # The default folder: the committed net itself.
        assert read(common.write_net(model, str(tmp_path / 'a'))) == committed
        # Another folder: only the four data sources change, each to the same file there.
        moved = read(common.write_net(model, str(tmp_path / 'b'), data=str(tmp_path / 'd')))
        changed = 0
        for old, new in zip(committed.layer, moved.layer):
            for field in ('data_param', 'hdf5_data_param'):
                a, b = getattr(old, field).source, getattr(new, field).source
                if a != b:
                    assert a.startswith('data/documents/')
                    assert at_root(b) == \
                        str(tmp_path / 'd' / a[len('data/documents/'):])
                    getattr(new, field).source = a
                    changed += 1
        assert changed == 4 and moved == committed


@pytest.mark.parametrize('args, message', [
    (['--iters', '0'], "argument --iters: '0' is not a whole number above 0"),
    (['--test-docs', 'two'], "argument --test-docs: 'two' is not a whole number above 0"),
    (['--data', 'a_file'], 'a_file is not a folder'),
])
def test_bad_options_are_named(tmp_path, args, message):
    (tmp_path / 'a_file').write_text('')
    for script in (os.path.join(ORIENTATION, 'run.py'), os.path.join(ROTATION, 'run.py')):
        result = run_script(script, args + ['--out', 'out'], tmp_path)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert not (tmp_path / 'out').exists()


def test_an_interrupted_remake_of_the_photographs_is_made_again(tmp_path, monkeypatch):
    """A remake with other settings that stops halfway leaves no record behind: going back
    to the first settings makes the photographs again instead of taking the half-written
    folder, whose annotations.csv is gone, for the old set."""
    data = str(tmp_path / 'data')
    tiny = dict(train_docs=1, test_docs=1, samples=1, test_samples=1, workers=1, quiet=True,
                data=data)
    first = common.make_data(**tiny)
    assert set(first) == {'test photographs', 'test crops', 'train photographs', 'train crops'}
    assert common.make_data(**tiny) == {}                # made once
    real = common.documents.generate

    def stops_halfway(out_dir, n, **kwargs):
        with open(os.path.join(out_dir, 'doc_00000.jpg'), 'wb') as f:
            f.write(b'half a photograph')
        raise KeyboardInterrupt

    monkeypatch.setattr(common.documents, 'generate', stops_halfway)
    with pytest.raises(KeyboardInterrupt):
        common.make_data(landscape=0.5, **tiny)
    assert not os.path.exists(os.path.join(data, 'test', 'made_with.json'))
    monkeypatch.setattr(common.documents, 'generate', real)
    again = common.make_data(**tiny)
    # the same photographs again (the generator is deterministic), so their crops stand
    assert set(again) == {'test photographs'}
    rows = common.annotations.read_csv(os.path.join(data, 'test', 'annotations.csv'))
    assert len(rows) == 1
    with open(os.path.join(data, 'test', rows[0].image), 'rb') as f:
        assert f.read(2) == b'\xff\xd8'                   # a JPEG again
