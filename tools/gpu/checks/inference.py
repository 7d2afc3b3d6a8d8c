"""Step ``inference``: the demo and the attention maps on the device, then the ONNX export
of the trained T with onnxruntime parity (TF32 off)."""
import os.path as osp

from .context import IMAGE, REPO, Check, tf32_off


def inference(check: Check) -> dict:
    work_dir = osp.join(check.work, 'train', 't-fp32')
    config = osp.join(check.work, 'configs', 't.py')
    ckpt = osp.join(work_dir, 'epoch_2.pth')
    if not osp.isfile(ckpt):
        raise FileNotFoundError('the T fp32 training did not leave its checkpoint')
    device = str(check.device)
    demo_out = osp.join(check.work, 'demo')
    check.tool(osp.join(REPO, 'tools', 'demo', 'topdown_demo.py'), config, ckpt, IMAGE,
               '--out-dir', demo_out, '--device', device)
    attention_out = osp.join(check.work, 'attention')
    check.tool(osp.join(REPO, 'tools', 'analysis', 'attention_maps.py'), config, ckpt, IMAGE,
               '--out-dir', attention_out, '--device', device)
    # ONNX: exported from the model on the device, compared with onnxruntime, TF32 off
    from tokenpose_mm.apis import init_pose_model
    from tokenpose_mm.deploy.onnx import export_onnx, sample_inputs, verify_onnx
    tf32_off()
    model = init_pose_model(config, ckpt, device)
    onnx_file = export_onnx(model, osp.join(check.work, 'tokenpose-t.onnx'))
    inputs = sample_inputs(model, [IMAGE]).to(check.device)
    difference = verify_onnx(onnx_file, model, inputs, atol=1e-4)
    return dict(demo=demo_out, attention=attention_out, onnx=onnx_file,
                onnx_max_abs_difference=difference)
