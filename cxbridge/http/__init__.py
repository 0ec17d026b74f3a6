"""HTTP for API source plugins (docs/http.md): retries honouring `Retry-After`, errors that say
what to do, pagination that detects loops, auth strategies, a client-side rate limiter and
redacted debug logging. Import what you need from here:

    from cxbridge.http import ApiSource, ApiSourceConfig, HeaderToken, PageRequest, PageToken
"""

from __future__ import annotations

from cxbridge.http.auth import (
    BasicAuth,
    GoogleCredentials,
    HeaderToken,
    OAuth2ClientCredentials,
    OAuth2RefreshToken,
    reveal,
)
from cxbridge.http.client import ApiClient, client
from cxbridge.http.errors import ApiErrors, check, find_message, json_body
from cxbridge.http.pagination import EmptyPages, NextUrl, PageNumber, PageRequest, PageToken, Paginator, paginate
from cxbridge.http.ratelimit import HeaderBudget, RateLimiter
from cxbridge.http.retries import RETRY_STATUSES, RetryingTransport, RetryPolicy, retry_after_seconds
from cxbridge.http.source import ApiSource, ApiSourceConfig

__all__ = [
    "RETRY_STATUSES",
    "ApiClient",
    "ApiErrors",
    "ApiSource",
    "ApiSourceConfig",
    "BasicAuth",
    "EmptyPages",
    "GoogleCredentials",
    "HeaderBudget",
    "HeaderToken",
    "NextUrl",
    "OAuth2ClientCredentials",
    "OAuth2RefreshToken",
    "PageNumber",
    "PageRequest",
    "PageToken",
    "Paginator",
    "RateLimiter",
    "RetryPolicy",
    "RetryingTransport",
    "check",
    "client",
    "find_message",
    "json_body",
    "paginate",
    "retry_after_seconds",
    "reveal",
]
