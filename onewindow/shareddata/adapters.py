"""Adapters: how the gateway reaches each kind of data source.

An adapter is built with its DataSource and answers one question: ``fetch(subject_type, subject_code, fields)``
returns ``Fetched(data, attempts)`` (``data`` None when the register has no record) or raises ``SourceError``
with an outcome (timeout / unavailable / error) and a message a clerk can act on. Adapters never write to the
database; the gateway (services.query) does the logging and caching.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from .choices import Outcome


class SourceError(Exception):
    def __init__(self, outcome: str, message: str, attempts: int = 1):
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.attempts = attempts


@dataclass
class Fetched:
    data: dict[str, Any] | None
    attempts: int = 1


class BaseAdapter:
    def __init__(self, source: Any):
        self.source = source
        self.config: dict[str, Any] = dict(source.config or {})

    def fetch(self, subject_type: str, subject_code: str, fields: list[str]) -> Fetched:  # pragma: no cover
        raise NotImplementedError


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A register that redirects is misconfigured; following it could send the ID number elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpJsonAdapter(BaseAdapter):
    """A register behind an HTTP JSON interface.

    config: ``url`` (may contain ``{subject}``; otherwise the subject goes in the query parameter ``param``,
    default ``id``, or in the JSON body for ``"method": "POST"``), ``auth_header`` (default Authorization)
    with the secret read from the environment variable named by ``auth_value_env``, ``timeout`` seconds per
    attempt (default 3), ``retries`` after the first attempt (default 1) with a short backoff, ``result_path``
    (dotted path to the record inside the answer, e.g. ``data``). HTTP 404 means "no record"; timeouts,
    refused connections and 5xx answers are retried; other 4xx answers are not.
    """

    def _request(self, subject_type: str, subject_code: str, fields: list[str]) -> urllib.request.Request:
        url = str(self.config["url"])
        method = str(self.config.get("method", "GET")).upper()
        body = None
        if "{subject}" in url:
            url = url.replace("{subject}", urllib.parse.quote(subject_code, safe=""))
        elif method == "GET":
            query = urllib.parse.urlencode({self.config.get("param", "id"): subject_code, "type": subject_type})
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        if method == "POST":
            body = json.dumps({"subject": subject_code, "subject_type": subject_type, "fields": fields}).encode()
        headers = {"Accept": "application/json", "User-Agent": "OneWindow-shareddata/1"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        env_name = self.config.get("auth_value_env")
        if env_name:
            headers[str(self.config.get("auth_header", "Authorization"))] = os.environ.get(str(env_name), "")
        return urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 - http(s) only (DataSource.clean)

    def fetch(self, subject_type: str, subject_code: str, fields: list[str]) -> Fetched:
        timeout = float(self.config.get("timeout", 3))
        retries = int(self.config.get("retries", 1))
        opener = urllib.request.build_opener(_NoRedirect)
        last: SourceError | None = None
        for attempt in range(1, retries + 2):
            try:
                with opener.open(self._request(subject_type, subject_code, fields), timeout=timeout) as response:
                    raw = response.read(2_000_000)
                try:
                    payload = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    raise SourceError(Outcome.ERROR, "数据源返回的不是有效的 JSON。", attempt) from None
                return Fetched(self._extract(payload), attempt)
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return Fetched(None, attempt)
                if exc.code < 500:
                    raise SourceError(Outcome.ERROR, f"数据源拒绝了请求（HTTP {exc.code}），请联系数据提供部门核对接口授权。",
                                      attempt) from None
                last = SourceError(Outcome.UNAVAILABLE, f"数据源暂时不可用（HTTP {exc.code}）。", attempt)
            except TimeoutError:
                last = SourceError(Outcome.TIMEOUT, f"数据源在 {timeout:g} 秒内没有响应。", attempt)
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, TimeoutError | socket.timeout):
                    last = SourceError(Outcome.TIMEOUT, f"数据源在 {timeout:g} 秒内没有响应。", attempt)
                else:
                    last = SourceError(Outcome.UNAVAILABLE, "无法连接数据源（网络不通或服务未启动）。", attempt)
            except (ConnectionError, OSError):
                last = SourceError(Outcome.UNAVAILABLE, "无法连接数据源（网络不通或服务未启动）。", attempt)
            if attempt <= retries:
                time.sleep(min(0.2 * attempt, 1.0))
        assert last is not None
        raise last

    def _extract(self, payload: Any) -> dict[str, Any] | None:
        path = str(self.config.get("result_path", "")).strip()
        for part in [p for p in path.split(".") if p]:
            payload = payload.get(part) if isinstance(payload, dict) else None
        if payload in (None, {}, []):
            return None
        if not isinstance(payload, dict):
            raise SourceError(Outcome.ERROR, "数据源返回的记录格式不对（应为 JSON 对象）。")
        return payload


class LicenceLibraryAdapter(BaseAdapter):
    """The local e-licence library: the holder's current licences, found by certificate (blind index)."""

    def fetch(self, subject_type: str, subject_code: str, fields: list[str]) -> Fetched:
        from onewindow.cases.services import cert_index
        from onewindow.licences.models import Licence

        licences = list(Licence.objects.current().filter(holder_index=cert_index(subject_type, subject_code))
                        .order_by("-issued_on"))
        if not licences:
            return Fetched(None)
        return Fetched({
            "count": len(licences),
            "licences": [{"identifier": lic.identifier, "name": lic.name, "issuer": lic.issuer_name,
                          "valid_to": lic.valid_to.isoformat() if lic.valid_to else "长期"} for lic in licences],
        })


class SandboxAdapter(BaseAdapter):
    """演示沙箱: made-up answers for demonstrations and training, never a real register.

    Answers come from ``config["records"][subject_code]`` when given, otherwise each declared field gets its
    ``sample`` value (or "（演示）<label>"). ``config["missing"]`` lists subjects that have no record, and
    ``config["fail"]`` makes every call fail with that outcome (to rehearse the manual fallback).
    """

    def fetch(self, subject_type: str, subject_code: str, fields: list[str]) -> Fetched:
        fail = self.config.get("fail")
        if fail:
            raise SourceError(str(fail) if fail in Outcome.values else Outcome.UNAVAILABLE, "演示沙箱：模拟数据源故障。")
        if subject_code in self.config.get("missing", []):
            return Fetched(None)
        records = self.config.get("records") or {}
        if subject_code in records:
            return Fetched(dict(records[subject_code]))
        return Fetched({str(f["key"]): str(f.get("sample") or f"（演示）{f.get('label', f['key'])}")
                        for f in self.source.fields if isinstance(f, dict) and f.get("key")})
