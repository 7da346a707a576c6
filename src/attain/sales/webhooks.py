"""CRM pushes: verify the HMAC signature and freshness, refuse replays, then bulk-upsert the rows.

Signature: ``X-Attain-Signature: sha256=<hex>``, the HMAC-SHA256 with the source's secret
(``WebhookEndpoint.secret``) of ``<X-Attain-Timestamp>.<raw body>``; signing the timestamp with the body means
a captured request cannot be re-sent with a fresh timestamp. The timestamp (Unix seconds) must be within
five minutes of now. Each delivery (``X-Attain-Delivery``, or the signature when absent) is stored with a
unique constraint, so the same delivery is applied once and refused (409) the next time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.core.errors import ApplicationError, ConflictError, ValidationError
from attain.sales import services
from attain.sales.choices import FactKind, WebhookStatus
from attain.sales.models import WebhookDelivery, WebhookEndpoint

MAX_SKEW_SECONDS = 300


class SignatureError(ApplicationError):
    """The push is not signed by a known source, or the signature is stale."""

    code = "bad_signature"
    status = 401


def webhook_sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Attain-Signature`` header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_verify(*, source: str, body: bytes, signature: str, timestamp: str) -> WebhookEndpoint:
    """The endpoint of ``source`` when the signature and timestamp are good; SignatureError otherwise."""
    endpoint = WebhookEndpoint.objects.filter(source=source, is_active=True).first()
    if endpoint is None or not signature.startswith("sha256="):
        raise SignatureError(_("Invalid signature."))
    expected = webhook_sign(secret=endpoint.secret, timestamp=timestamp, body=body)
    if not hmac.compare_digest(expected, signature.strip()):
        raise SignatureError(_("Invalid signature."))
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise SignatureError(_("Invalid timestamp.")) from exc
    if abs(timezone.now().timestamp() - sent) > MAX_SKEW_SECONDS:
        raise SignatureError(_("The timestamp is too old or in the future."))
    return endpoint


def webhook_receive(
    *, source: str, body: bytes, signature: str, timestamp: str, delivery_id: str = ""
) -> dict[str, Any]:
    """Verify, refuse a replay (ConflictError), and apply the rows with the source's name as their source."""
    webhook_verify(source=source, body=body, signature=signature, timestamp=timestamp)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(_("The body is not JSON."), field="body") from exc
    if not isinstance(payload, dict):
        raise ValidationError(_("The body must be a JSON object."), field="body")
    kind = str(payload.get("kind", ""))
    rows = payload.get("rows")
    if kind not in FactKind.values or not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationError(_("Give a fact kind and a list of rows."), field="kind")
    key = (delivery_id or signature.removeprefix("sha256="))[:128]
    with transaction.atomic():
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(source=source, delivery_id=key, kind=kind)
        except IntegrityError as exc:
            raise ConflictError(_("This delivery was already received.")) from exc
        result = services.facts_bulk_upsert(
            actor=None, kind=kind, rows=rows, source=source, all_or_nothing=True, reason=f"webhook delivery {key}"
        )
        data = result.as_dict()
        delivery.status = WebhookStatus.REJECTED if result.errors else WebhookStatus.APPLIED
        delivery.result = {k: data[k] for k in ("created", "updated", "unchanged", "errors")}
        delivery.save(update_fields=["status", "result"])
    return data
