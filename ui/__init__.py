"""The Gradio page: one module per area, a layout that arranges them, and the server that launches it."""
