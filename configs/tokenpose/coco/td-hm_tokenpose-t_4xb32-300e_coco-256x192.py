# TokenPose-T on COCO 256x192: the official recipe of ../../_base_/tokenpose_coco-256x192.py.
_base_ = ['../../_base_/tokenpose_coco-256x192.py']

model = dict(arch=dict(name='t'))
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=128)
