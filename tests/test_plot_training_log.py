"""tools/extra/plot_training_log.py: charts of caffe train logs, several logs per figure."""
import importlib.util
import os
import subprocess
import sys

import pytest

from conftest import ROOT

SCRIPT = os.path.join(ROOT, 'tools', 'extra', 'plot_training_log.py')
spec = importlib.util.spec_from_file_location('plot_training_log', SCRIPT)
plot_log = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot_log)


def write_log(path, losses, accuracies, step_seconds):
    lines = []
    for i, (loss, acc) in enumerate(zip(losses, accuracies)):
        it = 100 * i
        sec = i * step_seconds
        stamp = f'I1125 08:{19 + int(sec) // 60:02d}:{int(sec) % 60:02d}.{int((sec % 1) * 1e6):06d} 99 solver.cpp:1]'
        lines += [f'{stamp} Iteration {it}, Testing net (#0)',
                  f'{stamp}     Test net output #0: accuracy = {acc}',
                  f'{stamp}     Test net output #1: loss = {loss + 0.1} (* 1 = {loss + 0.1} loss)',
                  f'{stamp} Iteration {it}, loss = {loss}',
                  f'{stamp}     Train net output #0: loss = {loss} (* 1 = {loss} loss)',
                  f'{stamp} Iteration {it}, lr = {0.01 / (i + 1)}']
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def test_charts_by_number_and_name():
    assert plot_log.parse_chart(0) == ('test', 'accuracy', 'NumIters')
    assert plot_log.parse_chart('7') == ('train', 'loss', 'Seconds')
    assert plot_log.parse_chart('5') == ('train', 'LearningRate', 'Seconds')
    assert plot_log.parse_chart('train loss_cls vs. iters') == ('train', 'loss_cls', 'NumIters')
    with pytest.raises(ValueError):
        plot_log.parse_chart(8)
    with pytest.raises(ValueError):
        plot_log.parse_chart('loss over time')


def test_several_logs_on_one_figure(tmp_path):
    a = write_log(tmp_path / 'a.log', [2.0, 1.0, 0.5], [0.1, 0.5, 0.8], 1.5)
    b = write_log(tmp_path / 'b.log', [3.0, 2.0], [0.2, 0.3], 2.0)
    out = tmp_path / 'acc.png'
    lines = plot_log.plot(0, str(out), [a, b])
    assert lines == [('a.log', [0, 100, 200], [0.1, 0.5, 0.8]), ('b.log', [0, 100], [0.2, 0.3])]
    assert out.read_bytes()[:4] == b'\x89PNG'
    lines = plot_log.plot(7, str(tmp_path / 'loss.svg'), [a])
    assert lines[0][1] == [0.0, 1.5, 3.0] and lines[0][2] == [2.0, 1.0, 0.5]
    lines = plot_log.plot(2, str(tmp_path / 'tl.png'), [b])
    assert lines[0][2] == [3.1, 2.1]


def test_command_line(tmp_path):
    a = write_log(tmp_path / 'a.log', [2.0, 1.0], [0.1, 0.5], 1.0)
    out = tmp_path / 'lr.png'
    ok = subprocess.run([sys.executable, SCRIPT, '4', str(out), a], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert out.exists()
    bad = subprocess.run([sys.executable, SCRIPT, 'test nothing vs iters', str(out), a],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "no test rows with a 'nothing' value" in bad.stderr
