"""Actions that create something in an API a source plugin already reads (Zendesk, Freshdesk,
HubSpot, Salesforce): they take that source's keys for where and how to sign in, and go through its own
client — its auth, pacing, retries and error messages — so no credential is handled twice.

A create is sent once: only answers that say it was not taken (429, 503) are retried in the run.
A lost answer or another failure fails the delivery, and its next attempt first looks for what
the earlier one may have made, by the delivery id written into it."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import httpx
from pydantic import Field, model_validator

from cxbridge.errors import CxbridgeError
from cxbridge.http import ApiErrors, ApiSource, ApiSourceConfig
from cxbridge.http.retries import ONCE
from cxbridge.loop.actions import Action, ActionConfig, Delivered, DeliveryError, Notice
from cxbridge.sources import SourceConfig, SourceContext

HTTP_KEYS = frozenset(ApiSourceConfig.model_fields) - frozenset(SourceConfig.model_fields)
"""base_url, timeout, request_deadline, max_attempts, requests_per_second, requests_per_minute."""


class ApiActionConfig(ActionConfig):
    """An action's keys plus its source's keys that say where and how to sign in; the keys a
    source only reads by (start_date, page_size, …) are refused, since an action does not read."""

    max_attempts: int = Field(default=3, ge=1, le=20, description="tries of a request refused for now (429, 503) in one run")
    source_config: ClassVar[type[ApiSourceConfig]]
    connection_keys: ClassVar[frozenset[str]]
    """The source's keys besides HTTP_KEYS that an action takes: its account and credentials."""

    @model_validator(mode="after")
    def _no_reading_keys(self) -> ApiActionConfig:
        own = set(type(self).model_fields) - set(self.source_config.model_fields) | set(ActionConfig.model_fields)
        reading = set(self.source_config.model_fields) - HTTP_KEYS - self.connection_keys - own
        if given := sorted(reading & self.model_fields_set):
            raise ValueError(f"{', '.join(given)}: a key of the {self.type} source that an action does not use; remove it")
        return self


class ActionErrors(ApiErrors):
    """The source's reading of its API's errors — messages, quotas, waits — without its advice,
    which names keys only a source has (start_date, page_size, …)."""

    def __init__(self, source: ApiErrors):
        self.source = source
        self.service, self.credentials, self.ids = source.service, source.credentials, source.ids

    def message(self, response: httpx.Response) -> str | None:
        return self.source.message(response)

    def is_quota_exhausted(self, response: httpx.Response) -> bool:
        return self.source.is_quota_exhausted(response)

    def retry_after(self, response: httpx.Response) -> float | None:
        return self.source.retry_after(response)


class ApiAction(Action):
    """Creates one object per case through `source_class`'s client (`create`), and finds it again
    by the delivery id after an attempt whose outcome is unknown (`find`)."""

    source_class: ClassVar[type[ApiSource]]
    links_case = True

    def __init__(self, config: ApiActionConfig, *, name: str):
        super().__init__(config, name=name)
        self.source = self.source_class(config, SourceContext(name=f"loop.actions.{name}", base_dir=config.base_dir))  # type: ignore[arg-type]
        self.source.errors = ActionErrors(self.source_class.errors)  # type: ignore[misc]

    def call(self, method: str, url: str, *, body: Any = None, params: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None, creates: bool = False) -> Any:  # fmt: skip
        """The JSON answer to one request of the source's client; any failure as a DeliveryError
        naming this action. `creates`: sent once (see the module's docstring)."""
        client = self.source.client
        with self.failing():
            response = client.request(method, url, json=body, params=params, headers=headers,
                                      extensions={ONCE: True} if creates else {})  # fmt: skip
            return client.json(response) if response.content else None

    @contextmanager
    def failing(self) -> Iterator[None]:
        """The source client's errors inside the block as DeliveryErrors naming this action."""
        try:
            yield
        except CxbridgeError as exc:
            raise DeliveryError(f"{self.action_name}: {exc}") from None

    def deliver(self, notice: Notice) -> Delivered:
        if notice.attempt > 1 and (found := self.find(notice)) is not None:
            return found  # an earlier attempt made it, and its answer was lost
        return self.create(notice)

    @abstractmethod
    def create(self, notice: Notice) -> Delivered:
        """Create the object of `notice`, with `notice.delivery_id` written where `find` looks."""

    def close(self) -> None:
        self.source.close()


def key_line(notice: Notice) -> str:
    """The line of a created object's text that carries its delivery id, for people and `find`."""
    return f"cxbridge case {notice.case.case_id} · delivery {notice.delivery_id}"
