# TokenPose-S-v2 on COCO 256x192: the official recipe of ../../_base_/tokenpose_coco-256x192.py.
_base_ = ['../../_base_/tokenpose_coco-256x192.py']

model = dict(arch=dict(name='s-v2'))
train_dataloader = dict(batch_size=12)
auto_scale_lr = dict(base_batch_size=48)
