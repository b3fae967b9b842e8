"""`python -m demo_products [FOLDER]`: run both demo products until Ctrl-C, manifests in FOLDER."""

from __future__ import annotations

import sys

from demo_products import serve_all

if __name__ == "__main__":
    serve_all(sys.argv[1] if len(sys.argv) > 1 else "demo-manifests")
