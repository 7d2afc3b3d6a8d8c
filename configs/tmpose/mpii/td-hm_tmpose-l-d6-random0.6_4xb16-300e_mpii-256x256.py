# TMPose on TokenPose-L/D6, MPII 256x256: random masking keeping 60% of the visual tokens (the published setting).
# Visual tokens are selected once after the patch embedding (keypoint tokens never); each kept
# token keeps its own positional encoding, and evaluation is deterministic.
_base_ = ['../../tokenpose/mpii/td-hm_tokenpose-l-d6_4xb16-300e_mpii-256x256.py']

model = dict(neck=dict(token_masking=dict(strategy='random', keep_ratio=0.6)))
