# MMPose's 2D face recipe (its td-hm_hrnetv2-w18 WFLW / 300W / COFW configs) for TokenPose-B at
# 256x256: flip, rotation up to 60 deg, scale 0.75-1.25, no shift; Adam 2e-3, 60 epochs, x0.1 at
# 40 and 55, evaluated every epoch; NME normalised by the dataset's inter-ocular keypoints.
_base_ = ['./tokenpose_256x256.py']

train_cfg = dict(max_epochs=60, val_interval=1)
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=60, milestones=[40, 55], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(save_best='NME', rule='less', interval=1))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', shift_prob=0, rotate_factor=60, scale_factor=(0.75, 1.25)),
    dict(type='TopdownAffine', input_size=_base_.codec['input_size']),
    dict(type='GenerateTarget', encoder=_base_.codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_evaluator = dict(_delete_=True, type='NME', norm_mode='keypoint_distance')
test_evaluator = val_evaluator
