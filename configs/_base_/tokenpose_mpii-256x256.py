# The official TokenPose recipe on MPII 256x256 (DESIGN.md section 3) with MMPose components.
_base_ = ['mmpose::_base_/default_runtime.py']
import importlib.util  # noqa: E402  (stdlib: finds MMPose's installed files, imports nothing)

custom_imports = dict(imports=['tokenpose_mm'], allow_failed_imports=False)
# MMPose's PoseLocalVisualizer with its NumPy-2 fix
visualizer = dict(type='TokenPoseLocalVisualizer')

train_cfg = dict(max_epochs=300, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=300, milestones=[200, 260], gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=64)  # official: 4 GPUs x 16
# crash-safe checkpoints (written to a temporary file, then renamed; see AtomicCheckpointHook)
default_hooks = dict(
    checkpoint=dict(
        type='AtomicCheckpointHook', save_best='PCK', rule='greater', max_keep_ckpts=3))
# MMPose's SyncBuffersHook, then the tokenpose_mm safeguards: check the whole config before the
# run (also under MMPose's own tools and mim), stop at a NaN/inf loss, check the
# keypoint count of the data against the head, refuse a checkpoint that does not fit the model,
# carry the RNG states through checkpoints (exact resume)
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='ConfigCheckHook'),
    dict(type='FiniteLossHook'),
    dict(type='KeypointCountHook'),
    dict(type='CheckpointMatchHook'),
    dict(type='RandomStateHook'),
]

codec = dict(
    type='MSRAHeatmap',
    input_size=(256, 256),
    heatmap_size=(64, 64),
    sigma=2,
    unbiased=True,
    blur_kernel_size=11)

# MMPose's MPII metainfo (keypoint names, skeleton, flip pairs, sigmas) by its installed path:
# the dataset's default, 'configs/_base_/datasets/mpii.py', is looked up in the working
# directory (MMPose then warns and falls back to its own copy on every config load)
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/mpii.py')

model = dict(
    type='TokenPoseEstimator',
    # the variant, named once: it gives the backbone's front-end, the neck and the head; a
    # variant config sets model = dict(arch=dict(name='t')), and any field can be overridden
    # there, e.g. arch=dict(name='b', depth=3) or --cfg-options model.arch.depth=3
    arch=dict(name='l-d6-mpii'),
    # the keypoints (K, names, flip pairs) come from the dataset metainfo, as the dataloaders'
    metainfo=metainfo,
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    # the modules: their variant comes from arch (the backbone's front-end too), the input and
    # heatmap sizes from the codec
    backbone=dict(type='TokenPoseBackbone'),
    neck=dict(type='TokenPoseNeck'),
    head=dict(
        type='TokenPoseHead',
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False))

dataset_type = 'MpiiDataset'
data_mode = 'topdown'
data_root = 'data/mpii/'

# flip 0.5, scale 1 +- 0.25, rotation 30 deg w.p. 0.6, no half-body, no shift
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.75, 1.25),
        rotate_factor=30.,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        data_mode=data_mode,
        ann_file='annotations/mpii_train.json',
        data_prefix=dict(img='images/'),
        pipeline=train_pipeline))
# the valid split (the official config evaluates on the test split, which has no labels)
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        data_mode=data_mode,
        ann_file='annotations/mpii_val.json',
        headbox_file=data_root + 'annotations/mpii_gt_val.mat',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='MpiiPCKAccuracy')
test_evaluator = val_evaluator
