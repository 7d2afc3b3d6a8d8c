# TokenPose on COCO 256x192 with SimCC coordinate classification on the keypoint tokens
# (SimCC, ECCV 2022): the recipe of tokenpose_coco-256x192.py with MMPose's SimCCLabel codec
# (Gaussian labels, sigma 6, 2 bins per pixel, as MMPose's SimCC-ResNet-50) and KLDiscretLoss.
# Variant configs inherit this file and name the variant: model = dict(arch=dict(name='b')).
_base_ = ['./tokenpose_coco-256x192.py']

codec = dict(type='SimCCLabel', input_size=(192, 256), sigma=6.0, simcc_split_ratio=2.0)

model = dict(
    head=dict(
        _delete_=True,
        type='TokenPoseSimCCHead',
        loss=dict(type='KLDiscretLoss', use_target_weight=True),
        decoder=codec),
    # MMPose's SimCC flip test: the mirrored crop's x-vectors reversed, joints swapped
    test_cfg=dict(_delete_=True, flip_test=True))

# the base recipe's augmentation; only the targets differ
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
