"""Wan Studio backend: everything but the page. Never imports gradio."""

APP_VERSION = "0.1.0"
