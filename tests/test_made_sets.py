"""caffe.datasets.made_sets: the record that says a generated set is whole, and the removal
of a half-made set's parts."""
import json
import os

from caffe.datasets import made_sets


def make_whole(out, record):
    made_sets.start(str(out))
    for name in made_sets.LISTS:
        (out / name).write_text('a.png 0\n')
    made_sets.finish(str(out), record)


def test_a_finished_set_is_held_and_a_started_one_is_not(tmp_path):
    record = {'seed': 1, 'n': 10}
    make_whole(tmp_path, record)
    assert made_sets.holds(str(tmp_path), record)
    assert json.loads((tmp_path / made_sets.RECORD).read_text()) == record
    assert not os.path.exists(tmp_path / (made_sets.RECORD + '.tmp'))
    # Other parameters: not this set.
    assert not made_sets.holds(str(tmp_path), dict(record, seed=2))
    # A remake has started: the record is gone until finish().
    made_sets.start(str(tmp_path))
    assert not made_sets.holds(str(tmp_path), record)


def test_a_missing_file_or_a_damaged_record_means_no_set(tmp_path):
    record = {'seed': 1}
    make_whole(tmp_path, record)
    (tmp_path / 'test.txt').unlink()
    assert not made_sets.holds(str(tmp_path), record)
    make_whole(tmp_path, record)
    (tmp_path / made_sets.RECORD).write_text('{"seed": ')
    assert not made_sets.holds(str(tmp_path), record)
    # Named record and needed files.
    made_sets.start(str(tmp_path), 'stamp.json')
    (tmp_path / 'labels.h5').write_bytes(b'x')
    made_sets.finish(str(tmp_path), record, 'stamp.json')
    assert made_sets.holds(str(tmp_path), record, needed=('labels.h5',), name='stamp.json')
    assert not made_sets.holds(str(tmp_path), record, needed=('info.json',), name='stamp.json')


def test_remove_takes_folders_files_and_links_but_not_what_a_link_points_to(tmp_path):
    folder = tmp_path / 'crops'
    (folder / 'sub').mkdir(parents=True)
    (folder / 'sub' / 'a.png').write_bytes(b'x')
    made_sets.remove(str(folder))
    assert not folder.exists()
    single = tmp_path / 'boxes.csv'
    single.write_text('x')
    made_sets.remove(str(single))
    assert not single.exists()
    kept = tmp_path / 'kept'
    kept.mkdir()
    (kept / 'b.png').write_bytes(b'y')
    link = tmp_path / 'link'
    link.symlink_to(kept, target_is_directory=True)
    made_sets.remove(str(link))
    assert not os.path.lexists(link) and (kept / 'b.png').exists()
    made_sets.remove(str(tmp_path / 'never_made'))  # nothing there: no error
