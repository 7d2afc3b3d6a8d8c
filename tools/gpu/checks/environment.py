"""Step ``environment``: device name, driver, versions, mmcv's ops build."""
import platform
import subprocess
from typing import Optional

import torch

import tokenpose_mm

from .context import Check, machine_info


def environment(check: Check) -> dict:
    info = machine_info(check.device)
    from mmcv.ops import get_compiling_cuda_version
    versions = {}
    for package in ('mmcv', 'mmengine', 'mmpose', 'mmdet', 'mmpretrain', 'numpy', 'onnx',
                    'onnxruntime', 'torchvision'):
        try:
            versions[package] = __import__(package).__version__
        except Exception as e:  # noqa: BLE001
            versions[package] = f'not importable ({type(e).__name__}: {e})'
    ops = get_compiling_cuda_version()
    info.update(versions=versions, tokenpose_mm=tokenpose_mm.__version__,
                mmcv_ops='CPU ops only' if ops == 'not available' else f'CPU and CUDA {ops} ops',
                torch_cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(),
                python=platform.python_version())
    if check.device.type == 'cuda':
        props = torch.cuda.get_device_properties(check.device)
        info.update(device_name=props.name, capability=f'{props.major}.{props.minor}',
                    memory_gib=round(props.total_memory / 2**30, 1), driver=_driver())
    else:
        info.update(device_name=info['cpu'], driver=None)
    return dict(info=info)


def _driver() -> Optional[str]:
    try:
        query = ['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader']
        return subprocess.run(query, capture_output=True, text=True,
                              timeout=20).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None
