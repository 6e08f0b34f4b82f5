"""process-orders: an E2E Networks FaaS function (runtime python3-http-debian).

Uploaded as source by the E2E FaaS provider (providers/e2e), not bundled. Receives an order batch as JSON,
validates each order and returns totals per currency. Invoke with:

    curl -X POST "$URL" -H 'content-type: application/json' \
      -d '{"orders": [{"id": "o-1", "amount": 12.5, "currency": "INR"}]}'
"""
import json
import os

MAX_ORDERS = int(os.environ.get("MAX_ORDERS", "100"))


def _parse(event):
    body = getattr(event, "body", event)
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8")
    if isinstance(body, str):
        body = json.loads(body or "{}")
    return body or {}


def handle(event, context):
    try:
        payload = _parse(event)
    except (ValueError, TypeError):
        return {"statusCode": 400, "body": json.dumps({"error": "body must be JSON"})}

    orders = payload.get("orders")
    if not isinstance(orders, list) or not orders:
        return {"statusCode": 400, "body": json.dumps({"error": "orders must be a non-empty list"})}
    if len(orders) > MAX_ORDERS:
        return {"statusCode": 413, "body": json.dumps({"error": f"at most {MAX_ORDERS} orders per call"})}

    totals, rejected = {}, []
    for order in orders:
        amount, currency = order.get("amount"), order.get("currency")
        if not isinstance(amount, (int, float)) or amount <= 0 or not isinstance(currency, str):
            rejected.append(order.get("id"))
            continue
        totals[currency] = round(totals.get(currency, 0) + amount, 2)

    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"processed": len(orders) - len(rejected), "rejected": rejected, "totals": totals}),
    }
