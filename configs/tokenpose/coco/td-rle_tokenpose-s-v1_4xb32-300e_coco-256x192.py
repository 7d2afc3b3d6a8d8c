# TokenPose-S-v1 on COCO 256x192 with RLE regression on the keypoint tokens:
# the recipe of ../../_base_/tokenpose_coco-256x192-rle.py.
_base_ = ['../../_base_/tokenpose_coco-256x192-rle.py']

model = dict(arch=dict(name='s-v1'))
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=128)
