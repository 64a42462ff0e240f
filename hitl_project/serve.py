"""The web process: `python -m hitl_project.serve [daphne options]` (the Procfile's `web`).

Imports the ASGI app, then tunes the interpreter for a long-lived server (runtime_tuning.py;
`HITL_RUNTIME_TUNING=false` keeps Python's defaults) and serves the app with daphne, whose
options it takes as given. `python -m hitl_project.serve --uvicorn [options]` serves it with
uvicorn instead, for bench/ to compare the two servers on the same process setup.
"""

from __future__ import annotations

import sys

APP = "hitl_project.asgi:application"


def main(argv: list[str]) -> None:
    from django.conf import settings

    import hitl_project.asgi  # noqa: F401  (everything the process will hold, imported first)
    from hitl_project.runtime_tuning import tune_runtime

    if settings.RUNTIME_TUNING:
        tune_runtime()
    if argv[:1] == ["--uvicorn"]:
        import uvicorn.main

        uvicorn.main.main([*argv[1:], APP])
    else:
        from daphne.cli import CommandLineInterface

        CommandLineInterface().run([*argv, APP])


if __name__ == "__main__":
    main(sys.argv[1:])
