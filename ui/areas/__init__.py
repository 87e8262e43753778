"""Page areas. Each module owns one area: `render(ctx)` builds its widgets, `listen(ctx)` wires them.

Areas never import each other; a widget another area needs is published on the context by name.
"""
