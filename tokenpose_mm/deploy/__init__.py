"""Deployment: ONNX export of the pose model (image crops -> heatmaps) and its verification."""
from .onnx import (HeatmapModel, OnnxExportError, OnnxMismatchError, export_onnx,
                   model_input_size, onnx_metadata, sample_inputs, verify_onnx)

__all__ = ['HeatmapModel', 'OnnxExportError', 'OnnxMismatchError', 'export_onnx',
           'model_input_size', 'onnx_metadata', 'sample_inputs', 'verify_onnx']
