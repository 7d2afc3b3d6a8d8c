# TokenPose-S-v1 on the bundled real COCO sample (4 images, 12 people with keypoints): the
# official recipe on a schedule short enough for 2 CPU cores. Evaluated with COCO AP on the same
# images with ground-truth boxes: a smoke test of the whole pipeline, not a benchmark.
# The main job (README) trains it; set data_root for another COCO-format set.
_base_ = ['./td-hm_tokenpose-s-v1_4xb32-300e_coco-256x192.py']

data_root = 'tests/data/coco_tiny/'
ann_file = 'test_coco.json'

train_cfg = dict(max_epochs=80, val_interval=40)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=80, milestones=[60], gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=40, save_best='coco/AP', rule='greater', max_keep_ckpts=1))
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
