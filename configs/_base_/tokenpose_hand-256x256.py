# MMPose's 2D hand recipe (its td-hm_hrnetv2-w18 OneHand10K / RHD configs) for TokenPose-B at
# 256x256: flip, rotation up to 180 deg, scale 0.7-1.3; 210 epochs, x0.1 at 170 and 200;
# PCK@0.2 of the box size, AUC and EPE.
_base_ = ['./tokenpose_256x256.py']

train_cfg = dict(max_epochs=210, val_interval=10)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200], gamma=0.1, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(save_best='AUC', rule='greater'))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', rotate_factor=180, scale_factor=(0.7, 1.3)),
    dict(type='TopdownAffine', input_size=_base_.codec['input_size']),
    dict(type='GenerateTarget', encoder=_base_.codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_evaluator = [dict(type='PCKAccuracy', thr=0.2), dict(type='AUC'), dict(type='EPE')]
test_evaluator = val_evaluator
