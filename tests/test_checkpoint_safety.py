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
    model = build_model('s-v1', {'model.arch.depth': 1})
    meta = {'dataset_meta': {'flip_indices': np.arange(17), 'sigmas': np.full(17, .05, np.float32),
                             'keypoint_colors': np.zeros((17, 3), np.uint8),
                             'dataset_name': np.str_('coco'), 'num_keypoints': np.int64(17)},
            'epoch': 3, 'lr': np.float64(1e-3)}
    path = str(tmp_path / 'epoch_3.pth')
    save_checkpoint({'meta': meta, 'state_dict': model.state_dict()}, path)
    loaded = build_model('s-v1', {'model.arch.depth': 1}, checkpoint=path)
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
        build_model('s-v1', {'model.arch.depth': 1}, checkpoint=str(evil))  # MMPose's init_model
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


# ---- size bounds before loading, and the strict path for good files
def test_deflated_zip_would_be_loaded_by_torch_and_is_refused_first(tmp_path):
    from .engine.crafted_files import deflated_checkpoint
    path = deflated_checkpoint(tmp_path / 'deflated.pth', 2**24)  # 64 MiB of zeros
    assert path.stat().st_size < 2**19
    # the threat is real: torch inflates the record into a 64 MiB tensor
    assert torch.load(path, weights_only=True)['state_dict']['w'].numel() == 2**24
    with pytest.raises(CheckpointError, match=r'zip records declare 64\.0 MiB .*uncompressed'):
        load_checkpoint_file(str(path))


def test_legacy_format_loads_when_its_storages_fit(tmp_path):
    from .engine.crafted_files import legacy_checkpoint
    state = build_model('t', {'model.arch.depth': 1}).state_dict()
    torch.save({'state_dict': state}, tmp_path / 'old.pth', _use_new_zipfile_serialization=False)
    loaded = load_checkpoint_file(str(tmp_path / 'old.pth'))['state_dict']
    assert all(torch.equal(loaded[k], v) for k, v in state.items())
    # the crafted writer is the real format: five declared and stored elements load
    small = load_checkpoint_file(str(legacy_checkpoint(tmp_path / 'five.pth', 5)))
    assert small['state_dict']['w'].tolist() == [0.] * 5
    with pytest.raises(CheckpointError, match='declares storages of 1024.0 MiB'):
        load_checkpoint_file(str(legacy_checkpoint(tmp_path / 'big.pth', 2**28)))


def test_good_checkpoint_loads_strictly_and_through_mmpose(tmp_path):
    """A float16 copy with the config's dataset_meta loads through the strict path (dtype
    family, not exact dtype) and through MMPose's own init_model."""
    from tokenpose_mm.apis.inference import init_pose_model
    from .conftest import config_path
    options = {'model.arch.depth': 1}
    model = build_model('t', options)
    path = str(tmp_path / 'half.pth')
    save_checkpoint({'meta': {'dataset_meta': model.dataset_meta},
                     'state_dict': {k: v.half() for k, v in model.state_dict().items()}}, path)
    for loaded in (init_pose_model(config_path('t'), path, cfg_options=options),
                   build_model('t', options, checkpoint=path)):
        for key, value in model.state_dict().items():
            assert torch.equal(loaded.state_dict()[key], value.half().float()), key
        assert loaded.dataset_meta['flip_indices'] == model.dataset_meta['flip_indices']


def test_image_header_bounds_decoding(tmp_path):
    from tokenpose_mm.apis.inputs import InputError, image_header_size, load_image
    from .engine.crafted_files import black_png
    small = str(black_png(tmp_path / 'small.png', 301, 200))
    assert image_header_size(small) == (301, 200)
    assert load_image(small).shape == (200, 301, 3)  # a real PNG, decoded as usual
    with pytest.raises(InputError, match=r'has 301x200 = 60200 pixels, more than the limit of '
                                         r'60000 \(read from its header: nothing was decoded\)'):
        load_image(small, max_pixels=60000)
