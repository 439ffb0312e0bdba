"""tools/extra/parse_log.py reads glog-format training logs into tables."""
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location(
    'parse_log', os.path.join(ROOT, 'tools', 'extra', 'parse_log.py'))
parse_log = importlib.util.module_from_spec(spec)
spec.loader.exec_module(parse_log)

LOG = '''\
I1125 08:19:11.000000 1234 solver.cpp:218] Iteration 0, loss = 2.3
I1125 08:19:11.000100 1234 solver.cpp:237]     Train net output #0: loss = 2.3 (* 1 = 2.3 loss)
I1125 08:19:11.000200 1234 sgd_solver.cpp:105] Iteration 0, lr = 0.01
I1125 08:19:12.500000 1234 solver.cpp:330] Iteration 100, Testing net (#0)
I1125 08:19:13.000000 1234 solver.cpp:397]     Test net output #0: accuracy = 0.9
I1125 08:19:13.000000 1234 solver.cpp:397]     Test net output #1: loss = 0.3 (* 1 = 0.3 loss)
I1125 08:19:13.100000 1234 solver.cpp:218] Iteration 100, loss = 0.5
I1125 08:19:13.100100 1234 solver.cpp:237]     Train net output #0: loss = 0.5 (* 1 = 0.5 loss)
I1125 08:19:13.100200 1234 sgd_solver.cpp:105] Iteration 100, lr = 0.005
'''


def test_parse_log_rows(tmp_path):
    path = tmp_path / 'train.log'
    path.write_text(LOG)
    train, test = parse_log.parse_log(str(path))
    assert [(r['NumIters'], r['loss'], r['LearningRate']) for r in train] == \
        [(0, 2.3, 0.01), (100, 0.5, 0.005)]
    assert abs(train[1]['Seconds'] - 2.1001) < 1e-9
    assert test == [{'NumIters': 100, 'Seconds': 1.5, 'LearningRate': 0.01,
                     'accuracy': 0.9, 'loss': 0.3}]
    parse_log.write_csv(train, str(tmp_path / 'out.csv'))
    assert (tmp_path / 'out.csv').read_text().splitlines()[0] == 'NumIters,Seconds,LearningRate,loss'
