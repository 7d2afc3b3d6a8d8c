from .local_visualizer import TokenPoseLocalVisualizer

__all__ = ['TokenPoseLocalVisualizer']
