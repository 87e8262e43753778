"""GPU proof for the product's VRAM promise: synthetic 14B weights, layout checks and per-preset benchmark runs."""
