# The official TokenPose recipe on COCO 256x192 (DESIGN.md section 3) with MMPose components.
# Variant configs inherit this file and name their variant once: model = dict(arch=dict(name=...)).
_base_ = ['mmpose::_base_/default_runtime.py']
import importlib.util  # noqa: E402  (stdlib: finds MMPose's installed files, imports nothing)

custom_imports = dict(imports=['tokenpose_mm'], allow_failed_imports=False)
# MMPose's PoseLocalVisualizer with its NumPy-2 fix
visualizer = dict(type='TokenPoseLocalVisualizer')

# runtime: Adam 1e-3, no weight decay, x0.1 at epochs 200 and 260, 300 epochs, no warm-up
train_cfg = dict(max_epochs=300, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=300, milestones=[200, 260], gamma=0.1, by_epoch=True)
]
# the official runs use 4 GPUs x 32; other batch sizes scale the lr linearly (--auto-scale-lr)
auto_scale_lr = dict(base_batch_size=128)
# crash-safe checkpoints (written to a temporary file, then renamed; see AtomicCheckpointHook)
default_hooks = dict(
    checkpoint=dict(
        type='AtomicCheckpointHook', save_best='coco/AP', rule='greater', max_keep_ckpts=3))
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

# unbiased (DARK) Gaussian targets, sigma 2; decoding with DARK refinement, blur kernel 11
codec = dict(
    type='MSRAHeatmap',
    input_size=(192, 256),
    heatmap_size=(48, 64),
    sigma=2,
    unbiased=True,
    blur_kernel_size=11)

# MMPose's COCO metainfo (keypoint names, skeleton, flip pairs, sigmas) by its installed path:
# the dataset's default, 'configs/_base_/datasets/coco.py', is looked up in the working
# directory (MMPose then warns and falls back to its own copy on every config load)
metainfo = dict(from_file=importlib.util.find_spec('mmpose').submodule_search_locations[0] +
                '/.mim/configs/_base_/datasets/coco.py')

model = dict(
    type='TokenPoseEstimator',
    # the variant, named once: it gives the backbone's front-end, the neck and the head; a
    # variant config sets model = dict(arch=dict(name='t')), and any field can be overridden
    # there, e.g. arch=dict(name='b', depth=3) or --cfg-options model.arch.depth=3
    arch=dict(name='b'),
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
    # flip test averaged without the one-pixel heatmap shift, as the official code
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False))

dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'data/coco/'

# flip 0.5, half-body 0.3 (> 8 visible joints), scale 1 +- 0.35, rotation 45 deg w.p. 0.6,
# no shift; boxes padded by 1.25 to aspect 3:4
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomHalfBody', min_total_keypoints=9, prob=0.3),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.65, 1.35),
        rotate_factor=45.,
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
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline))
# COCO val2017 with the person boxes of the detector with human AP 56.4
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
        ann_file='annotations/person_keypoints_val2017.json',
        bbox_file=data_root + 'person_detection_results/'
        'COCO_val2017_detections_AP_H_56_person.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

# rescoring and OKS NMS as MMPose's defaults
val_evaluator = dict(
    type='CocoMetric', ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
