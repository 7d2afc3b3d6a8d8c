# TokenPose-S-v1 on COCO 256x192 with SimCC coordinate classification on the keypoint tokens:
# the recipe of ../../_base_/tokenpose_coco-256x192-simcc.py.
_base_ = ['../../_base_/tokenpose_coco-256x192-simcc.py']

model = dict(arch=dict(name='s-v1'))
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=128)
