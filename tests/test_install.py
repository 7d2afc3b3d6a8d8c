"""The plugin installs, registers into MMPose and builds from configs."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from tokenpose_mm.models import variant_name

from .conftest import COCO_CONFIGS, CONFIGS, config_path


def test_version_and_registration():
    import tokenpose_mm
    from mmpose.registry import MODELS

    assert tokenpose_mm.__version__.count('.') == 2
    for name in ('TokenPoseEstimator', 'TokenPoseBackbone', 'TokenPoseNeck', 'TokenPoseHead'):
        assert MODELS.get(name) is not None, name


def test_custom_imports_config_builds_through_mmpose_registry(tmp_path):
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text(
        "custom_imports = dict(imports=['tokenpose_mm'], allow_failed_imports=False)\n"
        "model = dict(type='TopdownPoseEstimator',\n"
        "             backbone=dict(type='TokenPoseBackbone', arch='stem'),\n"
        "             neck=dict(type='TokenPoseNeck', arch=dict(name='s-v1', depth=1)),\n"
        "             head=dict(type='TokenPoseHead', arch='s-v1'))\n")
    cfg = Config.fromfile(str(cfg_file))
    init_default_scope('mmpose')
    from mmpose.registry import MODELS
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'TopdownPoseEstimator'
    assert type(model.neck).__name__ == 'TokenPoseNeck'


def test_unknown_import_fails_loudly(tmp_path):
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text("custom_imports = dict(imports=['tokenpose_mm_typo'], "
                        "allow_failed_imports=False)\n")
    with pytest.raises(ImportError):
        Config.fromfile(str(cfg_file))


@pytest.mark.parametrize('name', sorted(COCO_CONFIGS))
def test_every_config_loads(name):
    cfg = Config.fromfile(config_path(name))
    assert cfg.custom_imports['imports'] == ['tokenpose_mm']
    assert cfg.model.type == 'TokenPoseEstimator' and variant_name(cfg.model) == name


def test_every_config_file_is_trained_one_step():
    """Every config file under configs/ (but _base_) is in the list of configs that
    tests/test_training.py trains one step on, or of the dataset configs that
    tests/test_dataset_configs.py trains and evaluates on their samples; every listed config
    exists."""
    from .test_dataset_configs import DATASET_CONFIGS
    from .test_training import ONE_STEP_CONFIGS
    found = {osp.relpath(p, CONFIGS) for p in glob.glob(osp.join(CONFIGS, '**', '*.py'),
                                                        recursive=True)}
    found = {p for p in found if not p.startswith('_base_' + osp.sep)}
    listed = set(ONE_STEP_CONFIGS) | set(DATASET_CONFIGS)
    assert not found - listed, f'config files no test trains: {sorted(found - listed)}'
    assert not listed - found, f'listed configs that do not exist: {sorted(listed - found)}'
    assert set(COCO_CONFIGS.values()) <= listed
