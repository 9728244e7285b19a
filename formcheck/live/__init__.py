"""Live webcam coaching: ``formcheck live`` (see :mod:`formcheck.live.app`)."""
