"""Runs the seed's playground handler (a Python module, not in this repository) against a DynamoDB endpoint.

Usage: python seed-playground.py <plan.json>

The plan (written by bench/playground-compare.ts) names the handler file, the endpoint, the table name, the client
concurrency and the phases: lists of [method, path, body-or-null]. Each phase runs with `concurrency` threads that
take the next request from a shared counter (the same model as the Node side: N requests in flight against one
module-level client), and reports its requests/s and status counts. The last line of stdout is the JSON result.

The driver creates the seed's table as the seed's infra/main.tf declares it (hash `tableId`, range `username`,
GSI `byUser` = `username` + `tableId`, projection ALL, on-demand) and builds the API Gateway v2 events the seed's
router reads: `requestContext.http.method`, `rawPath` (on the `$default` stage, where the seed's path routing
works), `pathParameters`, and `body` only when there is one (the seed parses a missing body as `{}`).
"""
import importlib.util
import json
import os
import sys
import threading
import time

SEED_ROUTES = [
    ("POST", "/tables"),
    ("GET", "/tables"),
    ("GET", "/tables/{tableId}"),
    ("PATCH", "/tables/{tableId}"),
    ("GET", "/tables/{tableId}/users"),
    ("GET", "/tables/{tableId}/users/{username}"),
    ("PUT", "/tables/{tableId}/users/{username}"),
]


def route_of(method, path):
    parts = [p for p in path.split("/") if p]
    for m, template in SEED_ROUTES:
        names = [p for p in template.split("/") if p]
        if m != method or len(names) != len(parts):
            continue
        params = {}
        ok = True
        for name, value in zip(names, parts):
            if name.startswith("{"):
                params[name[1:-1]] = value
            elif name != value:
                ok = False
                break
        if ok:
            return f"{m} {template}", params
    return "$default", {}


def event_of(method, path, body, n):
    route_key, params = route_of(method, path)
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "isBase64Encoded": False,
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": f"bench-{n}",
            "routeKey": route_key,
            "stage": "$default",
        },
    }
    if params:
        event["pathParameters"] = params
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def create_seed_table(client, name):
    """The table of the seed's infra/main.tf (with enable_gsi_by_user = true, its default)."""
    existing = client.list_tables()["TableNames"]
    if name in existing:
        return
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "tableId", "AttributeType": "S"},
            {"AttributeName": "username", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "tableId", "KeyType": "HASH"},
            {"AttributeName": "username", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byUser",
                "KeySchema": [
                    {"AttributeName": "username", "KeyType": "HASH"},
                    {"AttributeName": "tableId", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    for _ in range(50):
        if client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE":
            return
        time.sleep(0.02)
    raise RuntimeError(f"table {name} did not become ACTIVE")


def run_phase(handler, requests, concurrency, counter):
    statuses = {}
    lock = threading.Lock()
    state = {"next": 0}

    def worker():
        while True:
            with lock:
                i = state["next"]
                if i >= len(requests):
                    return
                state["next"] = i + 1
                counter[0] += 1
                n = counter[0]
            method, path, body = requests[i]
            try:
                status = int(handler(event_of(method, path, body, n), None).get("statusCode", 0))
            except Exception:  # an exception escaping the handler is what Lambda reports as a 502
                status = 502
            with lock:
                statuses[str(status)] = statuses.get(str(status), 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(max(1, concurrency))]
    cpu = time.process_time()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    return {"n": len(requests), "seconds": seconds, "statuses": statuses, "cpuSeconds": cpu_seconds}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        plan = json.load(f)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": plan["endpoint"],
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "TABLE_NAME": plan["tableName"],
            "SAFE_CONCURRENCY": "false",
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    import boto3

    create_seed_table(boto3.client("dynamodb"), plan["tableName"])
    spec = importlib.util.spec_from_file_location("seed_playground_app", plan["handler"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    counter = [0]
    phases = []
    for phase in plan["phases"]:
        r = run_phase(module.handler, phase["requests"], int(plan["concurrency"]), counter)
        r["label"] = phase["label"]
        phases.append(r)
    print(json.dumps({"python": sys.version.split()[0], "boto3": boto3.__version__, "phases": phases}))


if __name__ == "__main__":
    main()
