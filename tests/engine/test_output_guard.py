"""The guarantees of the output guard that are more than one message: the user's files are
byte-identical after a refused or failed run, an earlier verified ONNX export survives a failed
verification, clean-up keeps the user's files, outputs get the user's umask, a copied work dir
resumes its own checkpoint, and loading a checkpoint changes no global state."""
import os
import pickle
import shutil
from pathlib import Path

import pytest
import torch
from mmengine.logging import HistoryBuffer

from tokenpose_mm.utils import (CheckpointError, atomic_write, find_resumable_checkpoint,
                                load_checkpoint_file, remove_partial_writes, replacing)

from ..conftest import COCO_TINY, config_path, run_tool
from .bad_input_cases import CASES  # noqa: F401  (import the cases through their module)
from .bad_input_cases_outputs import IMAGES, _demo_symlink, _photos, billion_laughs


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob('*'))
            if p.is_file() and not p.is_symlink()}


def _t_checkpoint(tmp: Path) -> Path:
    """Weights of a depth-1 TokenPose-T (``--cfg-options model.arch.depth=1``)."""
    from .bad_input_cases import tiny_model
    path = tmp / 'model.pth'
    torch.save({'state_dict': tiny_model(variant='t').state_dict()}, path)
    return path


def test_demo_into_its_own_input_folder_leaves_the_photos_intact(tmp_path):
    photos = _photos(tmp_path, 'out/vis')
    before = _snapshot(photos)
    code = run_tool('demo', 'topdown_demo', [config_path('t'), _t_checkpoint(tmp_path), photos,
                                              '--out-dir', tmp_path / 'out', '--cfg-options',
                                              'model.arch.depth=1'])
    assert code == 1
    assert _snapshot(photos) == before
    assert not (tmp_path / 'out' / 'predictions').exists()  # refused before any work


def test_a_planted_symlink_is_never_written_through(tmp_path):
    with pytest.raises(SystemExit):
        _demo_symlink(tmp_path)
    assert (tmp_path / 'victim.txt').read_text() == 'keep me'
    with pytest.raises(ValueError, match='symbolic link'):
        atomic_write(str(tmp_path / 'out' / 'vis' / os.path.basename(IMAGES[0])), b'drawing')
    assert (tmp_path / 'victim.txt').read_text() == 'keep me'


def test_a_failed_or_interrupted_write_keeps_the_earlier_file(tmp_path):
    earlier = tmp_path / 'model.onnx'
    earlier.write_bytes(b'the verified export')
    for failure in (ValueError('verification failed'), KeyboardInterrupt()):
        with pytest.raises(type(failure)):
            with replacing(str(earlier)) as partial:
                Path(partial).write_bytes(b'a broken export')
                raise failure
        assert earlier.read_bytes() == b'the verified export'
        assert sorted(p.name for p in tmp_path.iterdir()) == ['model.onnx']


def test_clean_up_removes_only_our_partial_files(tmp_path):
    (tmp_path / '.notes.tmp').write_text('the user\'s notes')
    (tmp_path / '.epoch_1.pth.abc.tmp').write_text('not named by us either')
    ours = tmp_path / '.tokenpose_mm-partial.abc123.epoch_2.pth'
    ours.write_bytes(b'half a checkpoint')
    assert remove_partial_writes(str(tmp_path)) == [ours.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ['.epoch_1.pth.abc.tmp', '.notes.tmp']


def test_outputs_get_the_users_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        atomic_write(str(tmp_path / 'metrics.json'), b'{}')
    finally:
        os.umask(previous)
    assert (tmp_path / 'metrics.json').stat().st_mode & 0o777 == 0o640


def test_a_copied_work_dir_resumes_its_own_checkpoint(tmp_path):
    original = tmp_path / 'run'
    original.mkdir()
    torch.save({'meta': {'epoch': 1}, 'state_dict': {'w': torch.ones(2)}}, original / 'epoch_1.pth')
    (original / 'last_checkpoint').write_text(str(original / 'epoch_1.pth'))
    copy = tmp_path / 'copy'
    shutil.copytree(original, copy)
    assert find_resumable_checkpoint(str(copy)) == str(copy / 'epoch_1.pth')
    (original / 'epoch_1.pth').unlink()  # the copy never needs the original's file
    assert find_resumable_checkpoint(str(copy)) == str(copy / 'epoch_1.pth')


def test_onnx_export_that_fails_verification_keeps_the_verified_export(tmp_path):
    out = tmp_path / 'model.onnx'
    args = [config_path('t'), tmp_path / 'model.pth', out, '--images',
            os.path.join(COCO_TINY, os.path.basename(IMAGES[0])), '--cfg-options',
            'model.arch.depth=1']
    _t_checkpoint(tmp_path)
    assert run_tool('deploy', 'export_onnx', args) == 0
    verified = out.read_bytes()
    assert run_tool('deploy', 'export_onnx', [*args[:3], '--atol', '1e-30', *args[3:]]) == 1
    assert out.read_bytes() == verified
    assert sorted(p.name for p in tmp_path.iterdir()) == ['model.onnx', 'model.pth']


def _crafted_history_buffer(path: Path) -> None:
    """A checkpoint whose HistoryBuffer pickles ``mean`` = ``HistoryBuffer.max`` as its
    statistics methods: MMEngine's ``__setstate__`` would merge it into the class-level table."""
    buffer = HistoryBuffer([1., 2., 9.], [1, 1, 1])
    buffer.__dict__['_statistics_methods'] = {'mean': HistoryBuffer.max}  # what it pickles
    torch.save({'state_dict': {}, 'message_hub': {'loss': buffer}}, path, pickle_protocol=2)


def test_loading_a_history_buffer_changes_no_global_state(tmp_path):
    _crafted_history_buffer(tmp_path / 'hub.pth')
    table = dict(HistoryBuffer._statistics_methods)
    loaded = load_checkpoint_file(str(tmp_path / 'hub.pth'))['message_hub']['loss']
    assert type(loaded) is HistoryBuffer and loaded.mean() == 4.
    assert HistoryBuffer._statistics_methods == table
    assert HistoryBuffer([1., 3.], [1, 1]).mean() == 2.


def test_meta_of_shared_nested_lists_is_refused_in_any_loader(tmp_path):
    with pytest.raises(CheckpointError, match='holds more than'):
        load_checkpoint_file(str(billion_laughs(tmp_path)))
    assert os.path.getsize(tmp_path / 'laughs.pth') < 4096
    assert len(pickle.dumps([[[]] * 10] * 10)) < 100  # the sharing that makes it small


def test_wrapped_train_set_meta_is_compared(tmp_path):
    """The sample config's train set is a RepeatDataset: its metainfo is the inner COCO's."""
    from mmpose.apis.inference import dataset_meta_from_config

    from tokenpose_mm.cli import load_config
    from tokenpose_mm.engine.hooks.checkpoint_match_hook import config_dataset_meta
    cfg = load_config(config_path('tokenpose/coco/td-hm_tokenpose-t_1xb12-600e_coco-tiny-128x96.py'))
    assert cfg.train_dataloader.dataset.type == 'RepeatDataset'
    assert dataset_meta_from_config(cfg, 'train') is None  # MMPose's reads the wrapper only
    assert config_dataset_meta(cfg, 'train')['dataset_name'] == 'coco'
