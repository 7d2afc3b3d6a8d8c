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

# the base recipe's pipelines (augmentation included); only the entries that name the codec
# differ: the crop size and the targets follow this codec
train_pipeline = [
    {**t, 'input_size': codec['input_size']} if t['type'] == 'TopdownAffine' else
    {**t, 'encoder': codec} if t['type'] == 'GenerateTarget' else t
    for t in _base_.train_pipeline
]
val_pipeline = [{**t, 'input_size': codec['input_size']} if t['type'] == 'TopdownAffine' else t
                for t in _base_.val_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
