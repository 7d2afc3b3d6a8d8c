# TokenPose-T at 128x96 on the bundled real COCO sample (4 images, 12 people with keypoints):
# the main job's config. A smoke run of the whole pipeline that a 2-core CPU finishes in minutes,
# not a benchmark: all 12 people in one batch, no augmentation (it learns to fit these people),
# evaluated with COCO AP on the same images with ground-truth boxes. Measured on 2 CPU cores:
# 0.3 s per step; COCO AP 0.27 after 400 steps and 0.41 after 600 (the main job, 3.8 minutes
# in all), from 0.00 untrained.
# Set data_root (and ann_file) for another COCO-format set.
_base_ = ['./td-hm_tokenpose-t_4xb32-300e_coco-256x192.py']
import os.path as osp  # noqa: E402

# the bundled sample, found from this file's folder: the config runs from any working directory
# (`mim train mmpose /abs/path/to/this.py` too)
data_root = osp.normpath('{{ fileDirname }}/../../../tests/data/coco_tiny') + '/'
ann_file = 'test_coco.json'

codec = dict(
    type='MSRAHeatmap',
    input_size=(96, 128),
    heatmap_size=(24, 32),
    sigma=2,
    unbiased=True,
    blur_kernel_size=11)
# 128x96 images cut into 16x12 patches: an 8x8 grid of visual tokens (the model takes its
# input and heatmap sizes from the codec)
model = dict(head=dict(decoder=codec))

# 600 steps: 30 epochs of the sample repeated 20 times (one batch of 12 people per step)
train_cfg = dict(max_epochs=30, val_interval=10)
param_scheduler = []  # constant lr 1e-3
auto_scale_lr = dict(base_batch_size=12)
# checkpoints epoch_10/20/30.pth, all kept; no best_*.pth: a "best" of the first evaluations on
# 12 people is no model worth keeping (AP 0.00 untrained). The last checkpoint is the trained one.
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=10, save_best=None, max_keep_ckpts=3))
log_processor = dict(window_size=20)

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(
    batch_size=12,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=20,
        dataset=dict(
            type='CocoDataset',
            data_root=data_root,
            metainfo=_base_.metainfo,
            data_mode='topdown',
            ann_file=ann_file,
            data_prefix=dict(img=''),
            pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=12,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root, ann_file=ann_file, bbox_file=None, data_prefix=dict(img=''),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + ann_file)
test_evaluator = val_evaluator
