"""Jobs: the persisted queue, the worker thread that owns the GPU, and the clip writer."""
