"""Video engines: the protocol the worker drives, and the LightX2V adapter behind it."""
