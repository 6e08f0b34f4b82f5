"""moto's DynamoDB on 127.0.0.1:<port>, one request at a time.

moto's own server is multi-threaded, and a cancelled transaction there restores a copy of the table, undoing
writes other threads made meanwhile; served serially, every order of calls is one DynamoDB could produce.

--lean (benchmarks, and tests that ask for it): removes moto's costs that grow with the whole table where
DynamoDB's do not, so that a benchmark measures the clients rather than the emulator:
- TransactWriteItems backs up only the items it touches (moto deep-copies every table named in the transaction
  first) and restores them if the transaction is cancelled or fails;
- a Query returns its matches without deep-copying them first (moto copies every match before applying Limit);
- a Query on the table reads only its partition, and a Query on an index filters the table's items without
  first sorting all of them (moto sorts every item of the table by its key, then filters, then sorts the matches
  again by their full key, which already orders them totally).
A Scan is unchanged: it reads the whole table, as DynamoDB's does. Results are the same as without the flag
(test/playground/moto-lean.spec.ts compares both servers call by call); a Query on an index still visits every item.
Usage: python serve.py <port> [--lean]
"""
import copy
import inspect
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


def _install_lean_query(table_type):
    """Query reads the partition (on the table) or the unsorted items (on an index) instead of all, sorted."""
    original_query = table_type.query
    original_all_items = table_type.all_items
    signature = inspect.signature(original_query)

    def query(self, *args, **kwargs):
        arguments = signature.bind(self, *args, **kwargs).arguments
        self._lean_query_scope = (arguments.get("index_name"), arguments.get("hash_key"))
        try:
            return original_query(self, *args, **kwargs)
        finally:
            self._lean_query_scope = None

    def all_items(self):
        scope = getattr(self, "_lean_query_scope", None)
        if scope is None:
            return original_all_items(self)
        index_name, hash_key = scope
        if index_name is None and hash_key is not None:
            # Query on the table: moto keeps only the items whose hash key equals hash_key, then sorts them.
            partition = self.items.get(hash_key)
            if partition is None:
                return []
            return list(partition.values()) if self.range_key_attr else [partition]
        # Query on an index: moto filters these, then sorts the matches by the index and table keys.
        if not self.range_key_attr:
            return list(self.items.values())
        return [item for partition in self.items.values() for item in partition.values()]

    table_type.query = query
    table_type.all_items = all_items


def install_lean():
    from moto.dynamodb import models as backend_module
    from moto.dynamodb.models import table as table_module

    backend_module.copy = _TablesNotCopied(table_module.Table)
    table_module.copy = _ListsCopiedShallow()
    _install_lean_query(table_module.Table)
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
