"""Step ``equivalence``: the bundled official fixtures (S-v1, B) reproduce the official
heatmaps within 1e-4 on the device, TF32 off."""
import os
import os.path as osp

import torch

from .context import REPO, Check, tf32_off


def equivalence(check: Check) -> dict:
    """Official fixtures, converted, on the device with TF32 off: max |ours - official|."""
    from tokenpose_mm.converters import convert_official_checkpoint
    from tokenpose_mm.config_zoo import variant_config
    tf32_off()
    out = {}
    for fixture, arch in (('tokenpose_s_v1_depth3', 's-v1'), ('tokenpose_b_depth3', 'b')):
        folder = osp.join(check.work, 'equivalence', fixture)
        os.makedirs(folder, exist_ok=True)
        config = osp.join(folder, 'config.py')
        with open(config, 'w') as f:  # the fixtures' depth
            f.write(f'_base_ = [{variant_config(arch)!r}]\nmodel = dict(arch=dict(depth=3))\n')
        reference = osp.join(REPO, 'tests', 'data', 'official_tokenpose', fixture)
        model = convert_official_checkpoint(reference + '.pth', config,
                                            osp.join(folder, 'converted.pth'))
        model = model.to(check.device).eval()
        io = torch.load(reference + '_io.pt', weights_only=True)
        with torch.no_grad():
            heatmaps = model(io['input'].to(check.device), None, mode='tensor').float().cpu()
        out[arch] = float((heatmaps - io['output']).abs().max())
    bad = {k: v for k, v in out.items() if not v < 1e-4}
    if bad:
        raise AssertionError(f'official outputs not reproduced within 1e-4: {bad}')
    return dict(max_abs_difference=out, tf32=False)
