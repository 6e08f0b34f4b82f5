"""moto's DynamoDB on 127.0.0.1:<port>, one request at a time.

moto's own server is multi-threaded, and a cancelled transaction there restores a copy of the table, undoing
writes other threads made meanwhile; served serially, every order of calls is one DynamoDB could produce.

--lean (benchmarks only): removes two of moto's costs that grow with the table and that DynamoDB does not have,
so that a benchmark measures the clients rather than the emulator. TransactWriteItems backs up only the items it
touches (moto deep-copies every table named in the transaction first) and restores them if the transaction is
cancelled or fails; Query returns its matches without deep-copying them first (moto copies every match before
applying Limit). Results are the same as without the flag; the Query still visits every item of the table.
Usage: python serve.py <port> [--lean]
"""
import copy
import signal
import sys

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


class _CopyModule:
    """Stands in for the `copy` module inside one moto module; only `deepcopy` differs."""

    def __getattr__(self, name):
        return getattr(copy, name)


class _TablesNotCopied(_CopyModule):
    """Stands in for `copy` in moto's backend module: a Table is not deep-copied (the wrapper backs up items)."""

    def __init__(self, table_type):
        self._table_type = table_type

    def deepcopy(self, value, *args):
        return value if isinstance(value, self._table_type) else copy.deepcopy(value, *args)


class _ListsCopiedShallow(_CopyModule):
    """Stands in for `copy` in moto's table module: a list of query results is copied, not its items."""

    @staticmethod
    def deepcopy(value, *args):
        return list(value) if type(value) is list else copy.deepcopy(value, *args)


def _touched_key(backend, op_type, op):
    table = backend.get_table(op["TableName"])
    if op_type != "Put":
        return op["TableName"], op["Key"]
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return op["TableName"], key


def install_lean():
    from moto.dynamodb import models as backend_module
    from moto.dynamodb.models import table as table_module

    backend_module.copy = _TablesNotCopied(table_module.Table)
    table_module.copy = _ListsCopiedShallow()
    original = backend_module.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items[:100]:
            try:
                op_type, op = next(iter(entry.items()))
                table_name, key = _touched_key(self, op_type, op)
                item = self.get_item(table_name, key)
            except Exception:  # moto's own code reports the malformed entry
                continue
            saved.append((table_name, key, None if item is None else copy.deepcopy(item.to_json()["Attributes"])))
        try:
            return original(self, transact_items)
        except Exception:
            for table_name, key, attrs in reversed(saved):
                if attrs is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, copy.deepcopy(attrs))
            raise

    backend_module.DynamoDBBackend.transact_write_items = transact_write_items


def main() -> None:
    port = int(sys.argv[1])
    if "--lean" in sys.argv[2:]:
        install_lean()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, app, threaded=False, use_reloader=False, use_debugger=False)


if __name__ == "__main__":
    main()
