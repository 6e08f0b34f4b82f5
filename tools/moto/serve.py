"""moto's DynamoDB on 127.0.0.1:<port>, one request at a time.

moto's own server is multi-threaded, and a cancelled transaction there restores a copy of the table, undoing
writes other threads made meanwhile; served serially, every order of calls is one DynamoDB could produce.
Usage: python serve.py <port>
"""
import signal
import sys

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    port = int(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, app, threaded=False, use_reloader=False, use_debugger=False)


if __name__ == "__main__":
    main()
