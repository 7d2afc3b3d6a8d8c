# MMDeploy 1.3.1 deploy config for TokenPose/TMPose to ONNX Runtime: MMDeploy's own
# configs/mmpose/pose-detection_onnxruntime_static.py with its bases written out (MMDeploy's
# configs are not in its wheel). Static input shape (the model config's codec), opset 11.
# torch >= 2.9 exports with the dynamo exporter unless told otherwise, and MMDeploy 1.3.1 calls
# torch.onnx.export without `dynamo=`: export with dynamo=False (see the README, "Deploy with
# MMDeploy"); then ONNX Runtime reproduces PyTorch's keypoints (tests/deploy/test_mmdeploy.py).
codebase_config = dict(type='mmpose', task='PoseDetection')
backend_config = dict(type='onnxruntime')
onnx_config = dict(
    type='onnx',
    export_params=True,
    keep_initializers_as_inputs=False,
    opset_version=11,
    save_file='end2end.onnx',
    input_names=['input'],
    output_names=['output'],
    input_shape=None,
    optimize=True)
