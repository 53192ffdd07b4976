import sys

# Pandera imports hypothesis (0.25 s) for its data-synthesis strategies whenever it is installed;
# a report never synthesises data, so the command line goes without it. (Tests, which run the
# CLI in-process with hypothesis already imported, are unaffected.)
sys.modules.setdefault("hypothesis", None)

from pipeline.cli import main  # noqa: E402

raise SystemExit(main())
