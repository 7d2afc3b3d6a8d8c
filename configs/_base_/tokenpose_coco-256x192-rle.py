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
