# TokenPose-L/D6 on MPII 256x256 (3 stacks x 2 layers, keypoint-token fusion): the official
# recipe of ../../_base_/tokenpose_mpii-256x256.py, evaluated with PCKh@0.5 on the valid split.
_base_ = ['../../_base_/tokenpose_mpii-256x256.py']

model = dict(
    arch=dict(name='l-d6-mpii'),
    # ImageNet HRNet weights for stem..stage3, optional (no downloads at run time):
    # backbone=dict(
    #     init_cfg=dict(type='Pretrained', checkpoint='/path/to/hrnet_w48-8ef0771d.pth')),
)
