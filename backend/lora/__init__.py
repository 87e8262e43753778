"""LoRA add-ons: files in folders, key conversion to the DiT's names, exact multi-LoRA merging, and the
VRAM they add. The engine adapter hands the merged branch to LightX2V (backend/engine/lora_switch.py)."""
