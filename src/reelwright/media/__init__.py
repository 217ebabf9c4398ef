"""The only package that touches codecs, pixels and samples (PyAV, OpenCV, Pillow, numpy)."""
