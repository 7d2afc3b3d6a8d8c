"""Checkpoints load weights-only: MMEngine checkpoints with numpy metadata load through MMPose's
``init_model``; a pickle that carries code is refused and its payload never runs."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.runner import save_checkpoint

from tokenpose_mm.utils import CheckpointError, load_checkpoint_file

from .conftest import build_model


class _Payload:
    """Unpickling this would create a file (if the loader ran code)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f'touch {self.path}', ))


def test_weights_only_is_still_the_default():
    import inspect
    assert inspect.signature(torch.load).parameters['weights_only'].default is None
    # None resolves to True in torch >= 2.6 unless TORCH_FORCE_WEIGHTS_ONLY_LOAD says otherwise
    assert os.environ.get('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD') in (None, '0')


def test_mmengine_checkpoint_with_numpy_meta_loads_through_init_model(tmp_path):
    model = build_model('s-v1', {'model.neck.depth': 1})
    meta = {'dataset_meta': {'flip_indices': np.arange(17), 'sigmas': np.full(17, .05, np.float32),
                             'keypoint_colors': np.zeros((17, 3), np.uint8),
                             'dataset_name': np.str_('coco'), 'num_keypoints': np.int64(17)},
            'epoch': 3, 'lr': np.float64(1e-3)}
    path = str(tmp_path / 'epoch_3.pth')
    save_checkpoint({'meta': meta, 'state_dict': model.state_dict()}, path)
    loaded = build_model('s-v1', {'model.neck.depth': 1}, checkpoint=path)
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)
    assert loaded.dataset_meta['num_keypoints'] == 17
    # no global switch: a plain torch.load is still weights-only
    with pytest.raises(pickle.UnpicklingError):
        torch.load(_write_payload(tmp_path, tmp_path / 'plain'), weights_only=None)


def _write_payload(tmp_path, marker):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': _Payload(marker)}, path)
    return path


def test_code_carrying_checkpoint_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / 'payload-ran'
    evil = _write_payload(tmp_path, marker)
    with pytest.raises(CheckpointError, match='refused to load .*allow-list'):
        load_checkpoint_file(str(evil))
    with pytest.raises(CheckpointError, match='refused to load .*GLOBAL posix.system'):
        build_model('s-v1', {'model.neck.depth': 1}, checkpoint=str(evil))  # MMPose's init_model
    assert not marker.exists()


@pytest.mark.parametrize('content, message', [
    (b'', 'is empty'),
    (b'hello world', 'truncated, corrupt or not a torch checkpoint'),
])
def test_broken_files_are_named(tmp_path, content, message):
    path = tmp_path / 'broken.pth'
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint_file(str(path))


def test_truncated_checkpoint_is_named(tmp_path):
    path = tmp_path / 'full.pth'
    torch.save({'w': torch.rand(1000)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(CheckpointError, match='truncated, corrupt'):
        load_checkpoint_file(str(path))


def test_missing_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        load_checkpoint_file(str(tmp_path / 'nope.pth'))
