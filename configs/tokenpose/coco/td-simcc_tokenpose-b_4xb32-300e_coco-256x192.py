# TokenPose-B on COCO 256x192 with SimCC coordinate classification on the keypoint tokens:
# the recipe of ../../_base_/tokenpose_coco-256x192-simcc.py.
_base_ = ['../../_base_/tokenpose_coco-256x192-simcc.py']

model = dict(
    arch=dict(name='b'),
    # ImageNet HRNet weights for stem..stage3, optional (no downloads at run time):
    # backbone=dict(
    #     init_cfg=dict(type='Pretrained', checkpoint='/path/to/hrnet_w32-36af842e.pth')),
)
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=128)
