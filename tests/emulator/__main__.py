"""Command line of the local AWS emulator.

python -m tests.emulator serve [--port 5000]          run it in the foreground
python -m tests.emulator region-down ap-northeast-2   take a region down (--endpoint to choose)
python -m tests.emulator region-up ap-northeast-2
python -m tests.emulator requests                     print the request log
python -m tests.emulator reset
"""

import argparse
import json
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the emulator in the foreground")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--verbose", action="store_true", help="log every request")
    serve.add_argument("--exit-with-parent", type=int, metavar="PID", help="exit when process PID is gone")
    serve.add_argument(
        "--no-extensions",
        action="store_true",
        help="plain moto (control API only): shows which behaviour our extensions add",
    )
    for name in ("region-down", "region-up"):
        cmd = sub.add_parser(name, help=f"{name.replace('-', ' ')} a region")
        cmd.add_argument("region")
    sub.add_parser("requests", help="print the request log as JSON lines")
    sub.add_parser("reset", help="drop all emulator state")
    sub.add_parser("health", help="print the health document")
    for cmd in sub.choices.values():
        if cmd.prog.endswith(" serve"):
            continue
        cmd.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"))
    args = parser.parse_args(argv)

    if args.command == "serve":
        from .server import serve as run

        return run(
            args.host,
            args.port,
            verbose=args.verbose,
            exit_with_parent=args.exit_with_parent,
            extensions=not args.no_extensions,
        )

    from .client import EmulatorClient

    client = EmulatorClient(args.endpoint)
    if args.command == "region-down":
        print(json.dumps(client.region_down(args.region)))
    elif args.command == "region-up":
        print(json.dumps(client.region_up(args.region)))
    elif args.command == "requests":
        for entry in client.requests():
            print(json.dumps(entry))
    elif args.command == "reset":
        print(json.dumps(client.reset()))
    elif args.command == "health":
        print(json.dumps(client.health(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
