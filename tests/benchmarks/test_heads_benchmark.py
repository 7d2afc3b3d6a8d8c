"""benchmarks/heads.py: the smoke training's data fits each head (real sample images through the
smoke pipeline into each head's own loss), and a result is never overwritten."""
import os.path as osp

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, MODELS

from benchmarks import heads
from tokenpose_mm.models.pose_estimators.tokenpose_estimator import variant_module_cfgs

CONFIGS = [(variant, head) for variant in heads.VARIANTS for head in heads.HEADS]


@pytest.mark.parametrize('variant, head', CONFIGS, ids=lambda x: x)
def test_smoke_training_data_fits_the_head(variant, head, tmp_path):
    """Two people of the COCO sample through the smoke pipeline (crop at the codec's input size,
    the config's own targets) give a finite loss of the config's head on random keypoint
    tokens: targets of another size than the head's outputs fail here."""
    cfg = heads.smoke_config(heads.head_config(variant, head), 1, str(tmp_path))
    init_default_scope('mmpose')
    dataset = DATASETS.build({**cfg.train_dataloader.dataset, 'indices': 2})
    batch = pseudo_collate([dataset[i] for i in range(2)])
    num_keypoints = dataset.metainfo['num_keypoints']
    _, _, head_cfg = variant_module_cfgs(cfg.model.arch, cfg.model.backbone, cfg.model.neck,
                                         cfg.model.head, num_keypoints)
    module = MODELS.build(head_cfg)
    w, h = module.decoder.input_size
    assert tuple(batch['inputs'][0].shape) == (3, h, w)
    tokens = torch.randn(2, num_keypoints, module.in_channels)
    losses = module.loss(tokens, batch['data_samples'], train_cfg={})
    assert torch.isfinite(losses['loss_kpt'])


def _result(tmp_path) -> dict:
    """A heads.py result as main() assembles it, for one row (the writer's input)."""
    from benchmarks.lib import machine_info
    row = dict(variant='s-v1', head='simcc', config='c.py', head_params=1, params=2, gmacs=3.,
               images_per_s=4., timing={}, smoke_ap=0.5, smoke_losses=[0.25, 0.125],
               smoke_seconds=1., smoke_epochs=1)
    return dict(command='python benchmarks/heads.py', machine=machine_info(), batch=1,
                repeats=1, epochs=1, rows=[row], machine_after=machine_info())


def test_results_are_written_once_and_never_overwritten(tmp_path):
    result = _result(tmp_path)
    json_path, md_path = heads.write_results(result, str(tmp_path))
    assert osp.basename(md_path).startswith('heads-') and md_path.endswith('Z.md')
    table = open(md_path).read()
    assert '| TokenPose-S-v1 | simcc | 1 | 2 | 3.00 | 4.00 | 0.25 -> 0.125 | 0.500 |' in table
    assert 'load average' in table and 'python benchmarks/heads.py' in table
    with pytest.raises(FileExistsError, match='never overwritten'):
        heads.write_results(result, str(tmp_path))
    assert open(md_path).read() == table and osp.getsize(json_path) > 0
