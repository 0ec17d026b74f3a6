"""`email`: the notice as an e-mail over SMTP, to fixed addresses and/or to the case's owner."""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

from pydantic import Field, model_validator

from cxbridge.loop.actions import Action, ActionConfig, Delivered, DeliveryError, Notice
from cxbridge.secrets import Secret

ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRANSIENT = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)


class EmailConfig(ActionConfig):
    type: Literal["email"] = "email"
    host: str = Field(description="the SMTP server")
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = Field(default="starttls", description="how the connection is secured")
    username: str | None = None
    password: Secret | None = Field(default=None, description="${SMTP_PASSWORD}")
    sender: str = Field(description="the From address")
    to: list[str] = Field(default_factory=list, description="addresses every notice goes to")
    to_owner: bool = Field(default=False, description="also to the case's owner, when the owner is an address")

    @model_validator(mode="after")
    def _addresses(self) -> EmailConfig:
        for address in (self.sender, *self.to):
            if not ADDRESS.match(address):
                raise ValueError(f"{address!r} is not an e-mail address")
        if not self.to and not self.to_owner:
            raise ValueError("say who gets it: to = ['cx@example.com'] and/or to_owner = true")
        if (self.username is None) != (self.password is None):
            raise ValueError('give both username and password = "${SMTP_PASSWORD}", or neither')
        return self


class EmailAction(Action):
    """One message per case with a Message-ID made of the delivery id: should a crash make it go
    twice, mail programs show the copies as one message."""

    name = "email"
    config_model = EmailConfig

    def __init__(self, config: EmailConfig, *, name: str):
        super().__init__(config, name=name)
        self.config: EmailConfig = config
        self._smtp: smtplib.SMTP | None = None

    def deliver(self, notice: Notice) -> Delivered:
        recipients = self.recipients(notice)
        if not recipients:
            raise DeliveryError(f"{self.action_name}: the case has no owner with an e-mail address, and `to` is empty")
        message = self.message(notice, recipients)
        try:
            refused = self._connection().send_message(message)
        except smtplib.SMTPRecipientsRefused:
            self._drop()
            raise DeliveryError(f"{self.action_name}: the SMTP server refused every recipient") from None
        except smtplib.SMTPAuthenticationError:
            self._drop()
            raise DeliveryError(f"{self.action_name}: the SMTP server refused the username and password") from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise DeliveryError(f"{self.action_name}: the SMTP server answered {exc.smtp_code}") from None
        except TRANSIENT as exc:
            self._drop()
            raise DeliveryError(f"{self.action_name}: could not reach the SMTP server ({type(exc).__name__})") from None
        except smtplib.SMTPException as exc:
            self._drop()
            raise DeliveryError(f"{self.action_name}: SMTP failed ({type(exc).__name__})") from None
        if refused:  # the others have it: sent again, it would reach them again at every retry
            missed = ", ".join(f"{address} ({code})" for address, (code, _) in sorted(refused.items()))
            return Delivered(message["Message-ID"], warning=f"the SMTP server refused {missed}")
        return Delivered(message["Message-ID"])

    def recipients(self, notice: Notice) -> list[str]:
        owner = notice.case.owner
        extra = [owner] if self.config.to_owner and owner and ADDRESS.match(owner) else []
        return list(dict.fromkeys([*self.config.to, *extra]))

    def message(self, notice: Notice, recipients: list[str]) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = f"[cxbridge] {notice.title}"
        message["From"] = self.config.sender
        message["To"] = ", ".join(recipients)
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = f"<{notice.delivery_id}@cxbridge>"
        message.set_content("\n".join(notice.lines()) + "\n")
        return message

    def _connection(self) -> smtplib.SMTP:
        """One SMTP session for the run's deliveries, opened at the first one."""
        if self._smtp is None:
            config = self.config
            if config.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                                      context=ssl.create_default_context())  # fmt: skip
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
                if config.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if config.username and config.password:
                smtp.login(config.username, config.password.get_secret_value())
            self._smtp = smtp
        return self._smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None
