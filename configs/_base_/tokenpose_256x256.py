# TokenPose-B on square 256x256 crops, the input of MMPose's hand, face and animal recipes:
# the model, codec and runtime of tokenpose_coco-256x192.py with a 16x16 grid of 4x4 patches on
# the 64x64 HRNet-W32 feature map (256 visual tokens, as at 256x192) and 64x64 heatmaps.
# The family files (tokenpose_{hand,face,animal}-256x256.py) add MMPose's augmentation, schedule
# and metric of that family; the dataset configs add the dataset.
_base_ = ['./tokenpose_coco-256x192.py']

codec = dict(
    type='MSRAHeatmap',
    input_size=(256, 256),
    heatmap_size=(64, 64),
    sigma=2,
    unbiased=True,
    blur_kernel_size=11)
# the neck's feature map (64x64) and the heatmaps follow the codec
model = dict(arch=dict(name='b', patch_size=(4, 4)), head=dict(decoder=codec))

# MMPose's schedule of these families: Adam 5e-4 for a batch of 8 x 64, 500 warm-up iterations
optim_wrapper = dict(optimizer=dict(lr=5e-4))
auto_scale_lr = dict(base_batch_size=512)

val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
# the dataset configs set type, data_root, metainfo, ann_file and data_prefix
train_dataloader = dict(
    batch_size=64,
    dataset=dict(_delete_=True, data_mode='topdown'))
val_dataloader = dict(
    batch_size=32,
    dataset=dict(_delete_=True, data_mode='topdown', test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
