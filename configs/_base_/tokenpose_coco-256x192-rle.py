# TokenPose on COCO 256x192 with RLE coordinate regression on the keypoint tokens
# (Residual Log-likelihood Estimation, ICCV 2021): the recipe of tokenpose_coco-256x192.py with
# MMPose's RegressionLabel codec and RLELoss (as MMPose's td-reg_res50_rle config).
# Variant configs inherit this file and name the variant: model = dict(arch=dict(name='b')).
_base_ = ['./tokenpose_coco-256x192.py']

codec = dict(type='RegressionLabel', input_size=(192, 256))

model = dict(
    head=dict(
        _delete_=True,
        type='TokenPoseRLEHead',
        loss=dict(type='RLELoss', use_target_weight=True),
        decoder=codec),
    # MMPose's regression flip test: x -> w - 1 - x (shift_coords), joints swapped
    test_cfg=dict(_delete_=True, flip_test=True, shift_coords=True))

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
