# TokenPose-L/D24 on COCO 256x192 with SimCC coordinate classification on the fused keypoint tokens
# (3 stacks x 192 = 576 channels): the recipe of ../../_base_/tokenpose_coco-256x192-simcc.py.
_base_ = ['../../_base_/tokenpose_coco-256x192-simcc.py']

model = dict(
    arch=dict(name='l-d24'),
    # ImageNet HRNet weights for stem..stage3, optional (no downloads at run time):
    # backbone=dict(
    #     init_cfg=dict(type='Pretrained', checkpoint='/path/to/hrnet_w48-8ef0771d.pth')),
)
train_dataloader = dict(batch_size=16)
auto_scale_lr = dict(base_batch_size=64)
