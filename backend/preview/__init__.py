"""Live previews: the clean-video prediction after each denoising step, shown while a clip renders."""
