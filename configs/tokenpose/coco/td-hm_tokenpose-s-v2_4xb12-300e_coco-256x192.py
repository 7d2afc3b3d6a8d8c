# TokenPose-S-v2 on COCO 256x192: the official recipe of ../../_base_/tokenpose_coco-256x192.py.
_base_ = ['../../_base_/tokenpose_coco-256x192.py']

model = dict(
    backbone=dict(arch='stem'),
    neck=dict(arch='s-v2'),
    head=dict(arch='s-v2'))
train_dataloader = dict(batch_size=12)
auto_scale_lr = dict(base_batch_size=48)
