"""Checks of ``.ci/wheel-test``: run by the wheel's virtual environment, from its work folder.

The package and its indicator catalogue come from the environment, not from the checkout; the
report built by ``mics build`` lists in its manifest exactly the files it holds; the library
call ``mt.build_report`` gives the same bytes; and, when the checkout's example build was made
with the same package versions, the estimates are the same bytes as the checkout's.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

work, root = Path(sys.argv[1]), Path(sys.argv[2])
venv = (work / "venv").resolve()

import mics_toolkit as mt  # noqa: E402
from mics_toolkit.indicators import DEFAULT_SPECS, load_catalogue  # noqa: E402

package = Path(mt.__file__).resolve()
assert package.is_relative_to(venv), f"imported {package}, not the installed wheel"
assert not package.is_relative_to(root.resolve()), f"imported the checkout: {package}"
assert DEFAULT_SPECS.resolve().is_relative_to(venv), DEFAULT_SPECS
catalogue = load_catalogue()
assert len(catalogue) > 40, len(catalogue)

out = work / "out"
manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
assert {p.name for p in out.iterdir()} == {*manifest["outputs"], "manifest.json"}
for name, entry in manifest["outputs"].items():
    data = (out / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"], name

again = mt.build_report(work / "spec" / "report.yaml", work / "again")
for f in again.files:
    assert f.path.read_bytes() == (out / f.name).read_bytes(), f.name

checkout = root / "build" / "report" / "manifest.json"
if checkout.is_file():
    theirs = json.loads(checkout.read_text(encoding="utf-8"))
    if theirs["versions"] == manifest["versions"]:
        name = "report_estimates.csv"
        assert theirs["outputs"][name] == manifest["outputs"][name], name
        print(f"wheel-check: {name} is byte-identical to the checkout's build/report")
    else:
        print("wheel-check: package versions differ from the checkout's build; estimates "
              "not compared")
print(f"wheel-check: {len(catalogue)} catalogue indicators from {DEFAULT_SPECS}; "
      f"{len(manifest['outputs'])} outputs consistent with their manifest")
