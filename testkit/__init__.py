"""Test and benchmark helpers, not shipped in the wheel.

- :mod:`testkit.synthetic`: landmark sequences with exact truth, for unit tests.
- :mod:`testkit.evaluate`: a session scored against labels (studio truth or hand labels).
- :mod:`testkit.realdata`: the labelled real clips in ``../shared/realdata`` and their pose cache.
"""
