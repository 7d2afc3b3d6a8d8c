# TokenPose-L/D6 on COCO 256x192 (3 stacks x 2 layers, keypoint-token fusion, 8 heads: the
# official MPII L/D6 structure; no official COCO config): the official recipe of
# ../../_base_/tokenpose_coco-256x192.py.
_base_ = ['../../_base_/tokenpose_coco-256x192.py']

model = dict(
    arch=dict(name='l-d6'),
    # ImageNet HRNet weights for stem..stage3, optional (no downloads at run time):
    # backbone=dict(
    #     init_cfg=dict(type='Pretrained', checkpoint='/path/to/hrnet_w48-8ef0771d.pth')),
)
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=128)
