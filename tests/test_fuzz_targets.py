"""scripts/fuzz names exactly the fuzz targets in fuzz/, each has its seed corpus, and the
script refuses bad arguments before building anything (docs/fuzzing.md). Cheap: nothing
here builds or runs a fuzzer."""
import os
import subprocess

from conftest import ROOT

FUZZ = os.path.join(ROOT, 'fuzz')
SCRIPT = os.path.join(ROOT, 'scripts', 'fuzz')
# The input paths issue 11 asks to fuzz; a target that disappears fails here.
EXPECTED = {'net_prototxt', 'caffemodel', 'binaryproto', 'solverstate', 'solver_prototxt',
            'datum', 'image'}


def run_script(*args):
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=60)


def target_sources():
    return sorted(f[:-len('.cpp')] for f in os.listdir(FUZZ) if f.endswith('.cpp'))


def test_list_names_exactly_the_targets_in_fuzz():
    result = run_script('--list')
    assert result.returncode == 0, result.stderr
    listed = result.stdout.splitlines()
    assert listed == target_sources()
    assert set(listed) == EXPECTED


def test_every_target_has_a_seed_corpus_and_nothing_else_does():
    corpora = sorted(os.listdir(os.path.join(FUZZ, 'corpus')))
    assert corpora == target_sources()
    total = 0
    for name in corpora:
        folder = os.path.join(FUZZ, 'corpus', name)
        files = os.listdir(folder)
        assert files, f'fuzz/corpus/{name} is empty'
        total += sum(os.path.getsize(os.path.join(folder, f)) for f in files)
    assert total < 400_000, f'the committed corpora hold {total} bytes; keep them small'


def test_every_target_defines_the_libfuzzer_entry_point():
    for name in target_sources():
        text = open(os.path.join(FUZZ, name + '.cpp')).read()
        assert 'extern "C" int LLVMFuzzerTestOneInput(' in text, name


def test_the_prototxt_dictionary_parses_as_libfuzzer_entries():
    # libFuzzer's format: one quoted string per line, with \\, \" and \xAB escapes only.
    lines = [l for l in open(os.path.join(FUZZ, 'prototxt.dict')).read().splitlines()
             if l and not l.startswith('#')]
    assert len(lines) > 500
    for line in lines:
        assert line.startswith('"') and line.endswith('"') and len(line) > 2, line
        body = line[1:-1]
        i = 0
        while i < len(body):
            if body[i] == '\\':
                assert body[i + 1] in '\\"x', line
                i += 4 if body[i + 1] == 'x' else 2
            else:
                assert body[i] != '"', line
                i += 1
    assert '"\\"SpatialTransformer\\""' in lines and '"convolution_param {"' in lines


def test_unknown_target_and_bad_seconds_are_usage_errors():
    unknown = run_script('no_such_target', '5')
    assert unknown.returncode == 2
    assert "no target 'no_such_target'" in unknown.stderr
    for seconds in ['0', '-3', 'ten', '1.5']:
        bad = run_script('datum', seconds)
        assert bad.returncode == 2, seconds
        assert 'SECONDS must be a positive integer' in bad.stderr
    assert run_script().returncode == 2
    assert run_script('datum').returncode == 2
