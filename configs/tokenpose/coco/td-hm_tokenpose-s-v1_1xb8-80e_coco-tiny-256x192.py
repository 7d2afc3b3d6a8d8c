# TokenPose-S-v1 on the bundled real COCO sample (4 images, 12 people with keypoints) with the
# official recipe (augmentation included), evaluated with COCO AP on the same images with
# ground-truth boxes: the full-resolution pipeline on real data, for tests and smoke runs. It
# does not learn much in 80 epochs (measured: AP 0.00 after 100 steps); the main job uses
# td-hm_tokenpose-t_1xb12-600e_coco-tiny-128x96.py.
_base_ = ['./td-hm_tokenpose-s-v1_4xb32-300e_coco-256x192.py']
import os.path as osp  # noqa: E402

# the bundled sample, found from this file's folder: the config runs from any working directory
data_root = osp.normpath('{{ fileDirname }}/../../../tests/data/coco_tiny') + '/'
ann_file = 'test_coco.json'

train_cfg = dict(max_epochs=80, val_interval=40)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=80, milestones=[60], gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=8)
# checkpoints epoch_40/80.pth, both kept; no best_*.pth (this run barely learns: AP 0.00, and a
# "best" at 0.00 is no model worth keeping). The last checkpoint is the trained one.
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=40, save_best=None, max_keep_ckpts=2))
log_processor = dict(window_size=1)

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file=ann_file, data_prefix=dict(img='')))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root, ann_file=ann_file, bbox_file=None, data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + ann_file)
test_evaluator = val_evaluator
