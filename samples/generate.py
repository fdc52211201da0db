"""Write the cvbundle 1.0 samples: ``python samples/generate.py [--out DIR] [--bombs DIR]``.

- ``DIR/valid/``: realistic valid bundles, with ``cases.json``;
- ``DIR/conformance/``: one or more bundles per finding code, with ``cases.json``;
- ``--bombs DIR``: also write the generated cases (big files or big inflation) there.

The output is byte-for-byte the same on every run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cvgen.bombs import bombs
from cvgen.cases import Case, write_cases
from cvgen.conformance_content import content
from cvgen.conformance_docs import documents
from cvgen.conformance_profile import PROFILE_FILE, PROFILE_TEXT, site
from cvgen.conformance_zip import archive
from cvgen.valid import samples

HERE = Path(__file__).resolve().parent


def conformance_cases() -> list[Case]:
    return archive.cases + content.cases + documents.cases + site.cases + bombs.cases


def generate(out: Path, bombs_dir: Path | None) -> list[Path]:
    written = []
    for folder, cases in (("valid", samples.cases), ("conformance", conformance_cases())):
        target = out / folder
        written += write_cases(cases, target, bombs_dir)
        if folder == "conformance":
            profile = target / PROFILE_FILE
            profile.write_text(PROFILE_TEXT, encoding="utf-8")
            written.append(profile)
        keep = {c.file for c in cases}
        for stale in sorted(target.glob("*.zip")):
            if stale.name not in keep:
                stale.unlink()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (samples/)")
    parser.add_argument("--bombs", type=Path, default=None,
                        help="also write the generated cases (zip bombs, huge files) here")
    args = parser.parse_args(argv)
    written = generate(args.out, args.bombs)
    print(f"wrote {len(written)} files under {args.out}"
          + (f" and {args.bombs}" if args.bombs else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
