"""Install tokenpose_mm.

The OpenMMLab stack it runs on (torch, mmcv with ops, mmengine, mmpose, mmdet, xtcocotools) needs
build flags that pip's requirements cannot express; ``tools/setup_env.sh`` installs it from the pins
in ``requirements/stack.txt``. This package itself declares no dependencies, so
``pip install -e .`` also works inside an existing MMPose 1.3 environment.
"""
import os.path as osp

from setuptools import find_packages, setup


def get_version() -> str:
    namespace: dict = {}
    with open(osp.join(osp.dirname(__file__), 'tokenpose_mm', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='tokenpose_mm',
    version=get_version(),
    description='TokenPose and TMPose keypoint-token pose estimation as an MMPose 1.x plugin',
    long_description=open(osp.join(osp.dirname(__file__), 'README.md')).read()
    if osp.exists(osp.join(osp.dirname(__file__), 'README.md')) else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['tokenpose_mm', 'tokenpose_mm.*']),
    python_requires='>=3.8',
    license='Apache License 2.0',
    zip_safe=False,
)
