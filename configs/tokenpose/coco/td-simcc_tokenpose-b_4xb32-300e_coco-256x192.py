# TokenPose-B on COCO 256x192 with SimCC coordinate classification on the keypoint tokens:
# the recipe of ../../_base_/tokenpose_coco-256x192-simcc.py.
_base_ = ['../../_base_/tokenpose_coco-256x192-simcc.py']

model = dict(
    backbone=dict(
        arch='hrnet-w32',
        # ImageNet HRNet weights for stem..stage3, optional (no downloads at run time):
        # init_cfg=dict(type='Pretrained', checkpoint='/path/to/hrnet_w32-36af842e.pth'),
    ),
    neck=dict(arch='b'),
    head=dict(arch='b'))
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=128)
