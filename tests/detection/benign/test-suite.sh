#!/bin/bash
# Run a project's test suite (Python's unittest) over a small module.
set -eu
mkdir -p suite
cat > suite/shapes.py <<'PY'
def area(width: float, height: float) -> float:
    return width * height
PY
cat > suite/test_shapes.py <<'PY'
import os
import tempfile
import unittest

from shapes import area


class AreaTest(unittest.TestCase):
    def test_area(self) -> None:
        self.assertEqual(area(2, 3), 6)

    def test_temp_file(self) -> None:
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("x")
        os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
PY
cd suite
/usr/bin/python3 -m unittest -v
