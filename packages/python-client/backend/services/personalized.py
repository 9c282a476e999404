"""Client for the personalized recommendation service (HTTP API v1).

Standard library only, Python 3.9+. Copy this one file into a backend (e.g. as
``backend/services/personalized.py``) and call the module-level functions, which share a lazily
created default client configured from the environment:

    PERSONALIZED_BASE_URL         default http://127.0.0.1:8080
    PERSONALIZED_API_KEY          sent as ``Authorization: Bearer <key>`` when set
    PERSONALIZED_TIMEOUT          seconds, for both connect and read (default 2 and 5)
    PERSONALIZED_CONNECT_TIMEOUT  seconds, overrides PERSONALIZED_TIMEOUT for connecting
    PERSONALIZED_READ_TIMEOUT     seconds, overrides PERSONALIZED_TIMEOUT for reading
    PERSONALIZED_MAX_RETRIES      retries after the first attempt (default 2)

or build a ``PersonalizedService`` with explicit arguments.

Resilience: connection errors, timeouts, 429 (honouring ``Retry-After``) and 502/503/504 are
retried with jittered exponential backoff; other 4xx are not. A request that may already have
reached the server (a read timeout, a dropped connection) is retried only when repeating it is
harmless: GET/PUT/DELETE, and event batches, whose ``event_id`` makes them idempotent.
``get_recommendations`` can fall back to a caller-supplied list when the service cannot answer,
returning ``Recommendations(degraded=True)`` instead of raising.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union
from urllib.parse import quote, urlsplit

__version__ = "1.0.0"

__all__ = [
    # client and configuration
    "PersonalizedService",
    "configure",
    "get_default_service",
    # module-level calls over the default client
    "get_recommendations",
    "get_similar_items",
    "track_event",
    "track_events",
    "upsert_items",
    "get_item",
    "delete_item",
    "set_preferences",
    "export_user",
    "delete_user",
    "retrain",
    "get_job",
    "wait_for_job",
    "list_models",
    "activate_model",
    "health",
    # results
    "RecommendedItem",
    "Recommendations",
    "SimilarItem",
    "SimilarItems",
    "Item",
    "Preferences",
    "EventAck",
    "ErasureReport",
    "UpsertResult",
    "Job",
    "ModelInfo",
    "ModelList",
    "Health",
    # errors
    "PersonalizedError",
    "BadRequestError",
    "AuthenticationError",
    "NotFoundError",
    "ServiceUnavailableError",
    "PersonalizedTimeoutError",
    "RateLimitedError",
    "JobFailedError",
    # constants
    "CONTENT_TYPES",
    "EVENT_TYPES",
    "ALGORITHM_SOURCES",
]

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_CONNECT_TIMEOUT = 2.0
DEFAULT_READ_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 2
# The service accepts at most this many items (and events) per request.
MAX_BATCH = 1000
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Above this many characters of list parameters, recommendations are requested with a JSON body.
MAX_QUERY_LIST_CHARS = 2000

CONTENT_TYPES = ("movie", "tv_show", "series", "anime")
EVENT_TYPES = ("impression", "click", "watch", "complete", "rate", "save", "skip", "rewatch", "search", "dwell")
ALGORITHM_SOURCES = (
    "ncf_primary",
    "mf_fallback",
    "story_similarity",
    "trending_boost",
    "popularity_fallback",
    "cold_start",
    "random_explore",
)


# --------------------------------------------------------------------------------------------
# Errors


class PersonalizedError(Exception):
    """A request failed. ``status`` is the HTTP status (None when no response arrived); ``code``,
    ``message`` and ``details`` come from the service's ``{"error": {...}}`` body. ``request_id``
    is the ``X-Request-Id`` of the call, the key to the service's log lines for it."""

    def __init__(self, status: Optional[int], code: str, message: str, details: Any = None) -> None:
        super().__init__(f"[{status if status is not None else 'no response'}] {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.request_id: Optional[str] = None

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} (request id {self.request_id})" if self.request_id else text


class BadRequestError(PersonalizedError):
    """400 / 422: the request was invalid; ``details`` usually names the field."""


class AuthenticationError(PersonalizedError):
    """401: missing or wrong API key (code ``UNAUTHORIZED``); 403: the key lacks the scope the call
    needs (code ``FORBIDDEN``, ``details["required_scope"]`` names it)."""


class NotFoundError(PersonalizedError):
    """404: the user, item, job or model version does not exist."""


class ServiceUnavailableError(PersonalizedError):
    """The service could not answer: unreachable, timed out, rate limited or a 5xx, after retries.
    ``retry_after`` is the server's ``Retry-After`` hint in seconds, when it gave one."""

    def __init__(self, status, code, message, details=None, retry_after: Optional[float] = None) -> None:
        super().__init__(status, code, message, details)
        self.retry_after = retry_after


class PersonalizedTimeoutError(ServiceUnavailableError):
    """Connecting or reading timed out (or ``wait_for_job`` ran out of time)."""


class RateLimitedError(ServiceUnavailableError):
    """429 after retries."""


class JobFailedError(PersonalizedError):
    """A background job ended in state ``failed``; ``job`` holds its last status."""

    def __init__(self, job: "Job") -> None:
        super().__init__(None, "job_failed", f"job {job.job_id} failed: {job.error or 'no reason given'}")
        self.job = job


# --------------------------------------------------------------------------------------------
# Typed results. Every parser ignores keys it does not know, so the service can add fields.

T = TypeVar("T")


def _from_dict(cls: Type[T], data: Any) -> T:
    if not isinstance(data, Mapping):
        raise PersonalizedError(None, "invalid_response", f"expected a JSON object for {cls.__name__}")
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    try:
        return cls(**{k: v for k, v in data.items() if k in names})
    except TypeError as exc:  # a required field is missing
        raise PersonalizedError(None, "invalid_response", f"{cls.__name__}: {exc}", dict(data)) from None


def _list_of(cls: Type[T], values: Any) -> List[T]:
    parse = getattr(cls, "from_dict", None) or (lambda v: _from_dict(cls, v))
    return [parse(v) for v in (values or [])]


class _Parsed:
    """``from_dict`` for a result dataclass: its known keys of a JSON object."""

    @classmethod
    def from_dict(cls: Type[T], data: Any) -> T:
        return _from_dict(cls, data)


class _RankedItem(_Parsed):
    """A ranked entry: ``explanation_reasons`` is a list even when the service sends null."""

    explanation_reasons: List[str]

    @classmethod
    def from_dict(cls: Type[T], data: Any) -> T:
        item = _from_dict(cls, data)
        if item.explanation_reasons is None:  # type: ignore[attr-defined]
            item.explanation_reasons = []  # type: ignore[attr-defined]
        return item


class _RankedList(_Parsed):
    """A ranked answer: ``items`` parsed as ``_item_class``, ``degraded`` a bool."""

    _item_class: Any
    items: List[Any]
    degraded: bool

    @classmethod
    def from_dict(cls: Type[T], data: Any) -> T:
        result = _from_dict(cls, data)
        result.items = _list_of(cls._item_class, result.items)  # type: ignore[attr-defined]
        result.degraded = bool(result.degraded)  # type: ignore[attr-defined]
        return result

    @property
    def item_ids(self) -> List[str]:
        return [item.item_id for item in self.items]


@dataclass
class RecommendedItem(_RankedItem):
    item_id: str
    title: Optional[str] = None
    rank: Optional[int] = None
    predicted_score: Optional[float] = None
    confidence_interval: Optional[Tuple[float, float]] = None
    explanation_reasons: List[str] = field(default_factory=list)
    algorithm_source: Optional[str] = None
    experiment_id: Optional[str] = None
    diversity_category: Optional[str] = None
    content_type: Optional[str] = None
    genres: List[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Any) -> "RecommendedItem":
        item = super().from_dict(data)
        if item.confidence_interval is not None:
            item.confidence_interval = tuple(item.confidence_interval)  # type: ignore[assignment]
        return item


@dataclass
class Recommendations(_RankedList):
    request_id: Optional[str] = None
    user_id: Optional[str] = None
    model_version: Optional[str] = None
    experiment_id: Optional[str] = None
    variant: Optional[str] = None
    degraded: bool = False
    generated_at: Optional[str] = None
    items: List[RecommendedItem] = field(default_factory=list)

    _item_class = RecommendedItem


@dataclass
class SimilarItem(_RankedItem):
    item_id: str
    title: Optional[str] = None
    rank: Optional[int] = None
    score: Optional[float] = None
    content_type: Optional[str] = None
    genres: List[str] = field(default_factory=list)
    explanation_reasons: List[str] = field(default_factory=list)
    algorithm_source: Optional[str] = None


@dataclass
class SimilarItems(_RankedList):
    item_id: Optional[str] = None
    mode: Optional[str] = None
    model_version: Optional[str] = None
    degraded: bool = False
    items: List[SimilarItem] = field(default_factory=list)

    _item_class = SimilarItem


@dataclass
class Item(_Parsed):
    """A catalogue item, as sent to ``upsert_items`` and returned by ``get_item``."""

    item_id: str
    title: str
    content_type: str
    plot: Optional[str] = None
    genres: List[str] = field(default_factory=list)
    languages: List[str] = field(default_factory=list)
    cast: List[str] = field(default_factory=list)
    crew: List[str] = field(default_factory=list)
    keywords: Optional[List[str]] = None
    release_date: Optional[str] = None
    year: Optional[int] = None
    rating: Optional[float] = None
    rating_count: Optional[int] = None
    regions: List[str] = field(default_factory=list)
    duration_minutes: Optional[float] = None
    episodes: Optional[int] = None
    embedding: Optional[List[float]] = None
    # False keeps the item but stops serving it.
    available: Optional[bool] = None
    # Set by the service; never sent.
    updated_at: Optional[str] = None



@dataclass
class Preferences(_Parsed):
    user_id: Optional[str] = None
    genres: List[str] = field(default_factory=list)
    languages: List[str] = field(default_factory=list)
    content_types: List[str] = field(default_factory=list)
    liked_item_ids: List[str] = field(default_factory=list)
    disliked_item_ids: List[str] = field(default_factory=list)
    age_bucket: Optional[str] = None
    country: Optional[str] = None
    gender: Optional[str] = None
    friends: List[str] = field(default_factory=list)
    updated_at: Optional[str] = None



@dataclass
class ErasureReport(_Parsed):
    """What ``delete_user`` removed: event count, whether preferences existed, derived features."""

    user_id: Optional[str] = None
    events: int = 0
    preferences: bool = False
    features: int = 0



@dataclass
class EventAck:
    accepted: int = 0
    duplicates: int = 0
    # Filled in by the client: the ids of the events sent, generated ones included, in order.
    event_ids: List[str] = field(default_factory=list)


@dataclass
class UpsertResult:
    upserted: int = 0
    batches: int = 0


@dataclass
class Job(_Parsed):
    job_id: str
    name: Optional[str] = None
    state: Optional[str] = None  # queued | running | completed | failed
    progress: Optional[float] = None
    result: Any = None
    error: Optional[str] = None
    created_at: Optional[str] = None
    started_at: Optional[str] = None
    finished_at: Optional[str] = None
    attempts: Optional[int] = None

    @classmethod
    def from_dict(cls, data: Any) -> "Job":
        if isinstance(data, Mapping) and "job_id" not in data and "id" in data:
            data = dict(data, job_id=data["id"])
        return super().from_dict(data)

    @property
    def done(self) -> bool:
        return self.state in ("completed", "failed")


@dataclass
class ModelInfo(_Parsed):
    version: str
    created_at: Optional[str] = None
    components: List[str] = field(default_factory=list)
    metrics: Dict[str, float] = field(default_factory=dict)
    training_seconds: Optional[float] = None
    status: Optional[str] = None  # active | inactive | rejected
    notes: Optional[str] = None



@dataclass
class ModelList(_Parsed):
    active_version: Optional[str] = None
    models: List[ModelInfo] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Any) -> "ModelList":
        result = super().from_dict(data)
        result.models = _list_of(ModelInfo, result.models)
        return result


@dataclass
class Health:
    """``live``: /healthz answered 2xx; ``ready``: /readyz answered 2xx (models loaded, store up)."""

    live: bool
    ready: bool
    liveness: Optional[Dict[str, Any]] = None
    readiness: Optional[Dict[str, Any]] = None
    error: Optional[str] = None


# --------------------------------------------------------------------------------------------
# Helpers


FallbackSource = Union[Sequence[Any], Callable[[str, int], Sequence[Any]]]


def _utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _iso(value: Any) -> Any:
    """datetimes become ISO-8601 UTC strings (naive ones are taken as UTC); strings pass through."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


def _as_list(values: Union[None, str, Iterable[Any]]) -> Optional[List[str]]:
    if values is None:
        return None
    if isinstance(values, str):
        return [v.strip() for v in values.split(",") if v.strip()]
    return [str(v) for v in values]


def _compact(data: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def _encode_query(params: Mapping[str, Any]) -> str:
    # Commas stay literal: list parameters are comma-separated on the wire.
    pairs = [f"{quote(k, safe='')}={quote(_query_value(v), safe=',')}" for k, v in params.items() if v is not None]
    return "&".join(pairs)


def _seg(value: Any) -> str:
    """Escapes one path segment (ids may hold '/', '?', spaces...)."""
    return quote(str(value), safe="")


def _env_float(name: str) -> Optional[float]:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else None


def _parse_retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # an HTTP date
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _item_payload(item: Any) -> Dict[str, Any]:
    if isinstance(item, Item):
        data = dataclasses.asdict(item)
        data.pop("updated_at", None)  # set by the service
        return _compact(data)
    if isinstance(item, Mapping):
        return dict(item)
    raise TypeError(f"items must be dicts or Item, got {type(item).__name__}")


_NOT_JSON = object()


def _json_body(body: bytes, not_json: Any = None) -> Any:
    """The JSON value of a response body (None when empty), or ``not_json`` when it is not JSON."""
    if not body:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError:
        return not_json


class _TransportError(Exception):
    """No usable HTTP response. ``sent``: the request may have reached the server."""

    def __init__(self, message: str, *, timeout: bool, sent: bool) -> None:
        super().__init__(message)
        self.timeout = timeout
        self.sent = sent


@dataclass
class _Response:
    status: int
    headers: Dict[str, str]
    body: bytes


# --------------------------------------------------------------------------------------------
# The client


class PersonalizedService:
    """A client for one service. Thread-safe: it holds only configuration and opens a connection
    per request.

    Arguments left as None are read from the environment (see the module docstring).
    ``fallback`` is used by ``get_recommendations`` when the service cannot answer: a list of items
    (item ids, dicts or ``RecommendedItem``) or a callable ``(user_id, limit) -> list``.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        backoff_base: float = 0.2,
        backoff_max: float = 5.0,
        max_retry_after: float = 30.0,
        fallback: Optional[FallbackSource] = None,
        user_agent: Optional[str] = None,
    ) -> None:
        env = os.environ
        self.base_url = (base_url or env.get("PERSONALIZED_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base URL must be http(s)://host[:port][/prefix], got {self.base_url!r}")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self.api_key = api_key if api_key is not None else (env.get("PERSONALIZED_API_KEY") or None)

        shared = timeout if timeout is not None else _env_float("PERSONALIZED_TIMEOUT")
        self.connect_timeout = _first(
            connect_timeout, _env_float("PERSONALIZED_CONNECT_TIMEOUT"), shared, DEFAULT_CONNECT_TIMEOUT
        )
        self.read_timeout = _first(read_timeout, _env_float("PERSONALIZED_READ_TIMEOUT"), shared, DEFAULT_READ_TIMEOUT)
        if max_retries is None:
            raw = env.get("PERSONALIZED_MAX_RETRIES", "").strip()
            max_retries = int(raw) if raw else DEFAULT_MAX_RETRIES
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.fallback = fallback
        self.user_agent = user_agent or f"personalized-python/{__version__}"
        # Replaceable in tests.
        self._sleep: Callable[[float], None] = time.sleep

    def __repr__(self) -> str:  # never print the key
        return f"PersonalizedService(base_url={self.base_url!r}, auth={'yes' if self.api_key else 'no'})"

    # ---- recommendations ------------------------------------------------------------------

    def get_recommendations(
        self,
        user_id: str,
        limit: int = 10,
        content_types: Union[None, str, Iterable[str]] = None,
        languages: Union[None, str, Iterable[str]] = None,
        genres: Union[None, str, Iterable[str]] = None,
        exclude_item_ids: Union[None, str, Iterable[str]] = None,
        device: Optional[str] = None,
        session_id: Optional[str] = None,
        diversity: Optional[float] = None,
        explore: Optional[bool] = None,
        context: Optional[Mapping[str, Any]] = None,
        *,
        fallback_items: Optional[FallbackSource] = None,
    ) -> Recommendations:
        """Ranked recommendations for ``user_id``.

        Without ``context`` this is ``GET /v1/users/{id}/recommendations``; with it (keys
        ``device, session_id, region, timezone, timestamp``) ``POST /v1/recommendations``.
        ``device``: ``mobile, desktop, tv, tablet, other``; ``timezone``: an IANA name (time of
        day, weekday and season are read there; without it, the offset of ``timestamp``, else the
        profile country's zone, else UTC); ``timestamp``: the moment to recommend for (default
        now, at most 5 minutes ahead). Invalid values raise ``BadRequestError``. When
        the service cannot answer and a fallback is set (here or on the client), returns the
        fallback as ``Recommendations(degraded=True)`` instead of raising.
        """
        lists = {
            "content_types": _as_list(content_types),
            "languages": _as_list(languages),
            "genres": _as_list(genres),
            "exclude_item_ids": _as_list(exclude_item_ids),
        }
        # A value holding a comma cannot travel in a comma-separated query, and long lists (say, a
        # user's whole watch history to exclude) make URLs proxies refuse: use the JSON body.
        given = [v for v in lists.values() if v is not None]
        needs_body = any("," in x for v in given for x in v) or sum(len(x) + 1 for v in given for x in v) > MAX_QUERY_LIST_CHARS
        try:
            if context is not None or needs_body:
                ctx = dict(context or {})
                if device is not None:
                    ctx.setdefault("device", device)
                if session_id is not None:
                    ctx.setdefault("session_id", session_id)
                if "timestamp" in ctx:
                    ctx["timestamp"] = _iso(ctx["timestamp"])
                body = _compact(
                    {"user_id": user_id, "limit": limit, **lists, "diversity": diversity, "explore": explore}
                )
                if ctx:
                    body["context"] = _compact(ctx)
                # Reading recommendations changes nothing: safe to repeat.
                data = self._request("POST", "/v1/recommendations", body=body, idempotent=True)
            else:
                query = {"limit": limit, **lists, "device": device, "session_id": session_id,
                         "diversity": diversity, "explore": explore}
                data = self._request("GET", f"/v1/users/{_seg(user_id)}/recommendations", query=query)
            return Recommendations.from_dict(data)
        except ServiceUnavailableError as exc:
            source = fallback_items if fallback_items is not None else self.fallback
            if source is None:
                raise
            logger.warning("personalized: serving fallback recommendations for %s: %s", user_id, exc)
            return self._fallback(source, user_id, limit, lists["exclude_item_ids"] or [])

    def _fallback(self, source: FallbackSource, user_id: str, limit: int, exclude: List[str]) -> Recommendations:
        try:
            raw = source(user_id, limit) if callable(source) else source
            candidates = list(raw or [])
        except Exception:  # the fallback must not break the page either
            logger.exception("personalized: fallback source failed")
            candidates = []
        excluded = set(exclude)
        items: List[RecommendedItem] = []
        for entry in candidates:
            if isinstance(entry, RecommendedItem):
                item = dataclasses.replace(entry)
            elif isinstance(entry, Mapping):
                item = RecommendedItem.from_dict(entry)
            else:
                item = RecommendedItem(item_id=str(entry))
            if item.item_id in excluded:
                continue
            item.rank = len(items) + 1
            item.algorithm_source = item.algorithm_source or "popularity_fallback"
            items.append(item)
            if len(items) >= limit:
                break
        return Recommendations(
            request_id=f"fallback-{uuid.uuid4()}",
            user_id=user_id,
            degraded=True,
            generated_at=_utc_now_iso(),
            items=items,
        )

    def get_similar_items(self, item_id: str, mode: str = "hybrid", limit: int = 10) -> SimilarItems:
        """Items like ``item_id``; ``mode`` is ``story``, ``collaborative`` or ``hybrid``."""
        data = self._request("GET", f"/v1/items/{_seg(item_id)}/similar", query={"mode": mode, "limit": limit})
        return SimilarItems.from_dict(data)

    # ---- events ---------------------------------------------------------------------------

    def track_event(
        self,
        user_id: str,
        type: str,
        item_id: Optional[str] = None,
        *,
        event_id: Optional[str] = None,
        timestamp: Union[None, str, datetime] = None,
        watch_seconds: Optional[float] = None,
        duration_seconds: Optional[float] = None,
        completion: Optional[float] = None,
        rating: Optional[float] = None,
        dwell_seconds: Optional[float] = None,
        query: Optional[str] = None,
        result_item_ids: Optional[Sequence[str]] = None,
        clicked_item_ids: Optional[Sequence[str]] = None,
        refinement_of: Optional[str] = None,
        device: Optional[str] = None,
        session_id: Optional[str] = None,
        region: Optional[str] = None,
        recommendation_id: Optional[str] = None,
        timezone: Optional[str] = None,
        **extra: Any,
    ) -> EventAck:
        """Records one event (``type``: one of ``EVENT_TYPES``). See ``track_events``.

        ``device`` is one of ``mobile, desktop, tv, tablet, other``; ``timezone`` an IANA name
        (e.g. ``"Asia/Tokyo"``), where the service reads the event's time of day; ``query`` at
        most 500 characters; ``timestamp`` at most 5 minutes ahead of the service clock. Anything
        else is refused with a ``BadRequestError`` naming the field.
        """
        event = _compact(
            {
                "event_id": event_id,
                "user_id": user_id,
                "item_id": item_id,
                "type": type,
                "timestamp": timestamp,
                "watch_seconds": watch_seconds,
                "duration_seconds": duration_seconds,
                "completion": completion,
                "rating": rating,
                "dwell_seconds": dwell_seconds,
                "query": query,
                "result_item_ids": list(result_item_ids) if result_item_ids is not None else None,
                "clicked_item_ids": list(clicked_item_ids) if clicked_item_ids is not None else None,
                "refinement_of": refinement_of,
                "device": device,
                "session_id": session_id,
                "region": region,
                "recommendation_id": recommendation_id,
                "timezone": timezone,
                **extra,
            }
        )
        return self.track_events([event])

    def track_events(self, events: Iterable[Mapping[str, Any]]) -> EventAck:
        """Sends events (``POST /v1/events``, split into batches of at most 1,000).

        Events without ``event_id`` get a uuid4 and events without ``timestamp`` the current UTC
        time, once, before the first attempt: a retried batch carries the same ids and the service
        counts it as ``duplicates``, not new events. The caller's dicts are not modified; the ids
        sent are in ``EventAck.event_ids``.
        """
        prepared: List[Dict[str, Any]] = []
        for event in events:
            if not isinstance(event, Mapping):
                raise TypeError(f"events must be dicts, got {type(event).__name__}")
            e = dict(event)
            if not e.get("event_id"):
                e["event_id"] = str(uuid.uuid4())
            e["timestamp"] = _iso(e.get("timestamp")) or _utc_now_iso()
            prepared.append(e)
        ack = EventAck(event_ids=[e["event_id"] for e in prepared])
        for start in range(0, len(prepared), MAX_BATCH):
            batch = prepared[start : start + MAX_BATCH]
            data = self._request("POST", "/v1/events", body={"events": batch}, idempotent=True) or {}
            ack.accepted += int(data.get("accepted", 0))
            ack.duplicates += int(data.get("duplicates", 0))
        return ack

    # ---- catalogue ------------------------------------------------------------------------

    def upsert_items(self, items: Iterable[Union[Mapping[str, Any], Item]]) -> UpsertResult:
        """Creates or replaces catalogue items (``PUT /v1/items``), at most 1,000 per request."""
        payload = [_item_payload(item) for item in items]
        result = UpsertResult()
        for start in range(0, len(payload), MAX_BATCH):
            batch = payload[start : start + MAX_BATCH]
            data = self._request("PUT", "/v1/items", body={"items": batch}) or {}
            count = data.get("upserted", data.get("accepted", len(batch))) if isinstance(data, Mapping) else len(batch)
            result.upserted += int(count)
            result.batches += 1
        return result

    def get_item(self, item_id: str) -> Item:
        """One catalogue item; raises ``NotFoundError`` when unknown."""
        return Item.from_dict(self._request("GET", f"/v1/items/{_seg(item_id)}"))

    def delete_item(self, item_id: str) -> Any:
        """Removes an item from serving (history and models keep it); raises ``NotFoundError``."""
        return self._request("DELETE", f"/v1/items/{_seg(item_id)}")

    # ---- users ----------------------------------------------------------------------------

    def set_preferences(
        self,
        user_id: str,
        genres: Optional[Sequence[str]] = None,
        languages: Optional[Sequence[str]] = None,
        content_types: Optional[Sequence[str]] = None,
        liked_item_ids: Optional[Sequence[str]] = None,
        age_bucket: Optional[str] = None,
        country: Optional[str] = None,
        friends: Optional[Sequence[str]] = None,
        *,
        disliked_item_ids: Optional[Sequence[str]] = None,
        gender: Optional[str] = None,
    ) -> Preferences:
        """Onboarding answers and settings (``PUT /v1/users/{id}/preferences``); only the fields
        given are sent."""
        body = _compact(
            {
                "genres": _as_list(genres),
                "languages": _as_list(languages),
                "content_types": _as_list(content_types),
                "liked_item_ids": _as_list(liked_item_ids),
                "disliked_item_ids": _as_list(disliked_item_ids),
                "age_bucket": age_bucket,
                "country": country,
                "gender": gender,
                "friends": _as_list(friends),
            }
        )
        data = self._request("PUT", f"/v1/users/{_seg(user_id)}/preferences", body=body)
        if isinstance(data, Mapping) and isinstance(data.get("preferences"), Mapping):
            data = dict(data["preferences"], user_id=data.get("user_id", user_id))
        prefs = Preferences.from_dict(data or body)
        prefs.user_id = prefs.user_id or user_id
        return prefs

    def export_user(self, user_id: str) -> Dict[str, Any]:
        """Everything the service holds about the user (GDPR export), as returned."""
        return self._request("GET", f"/v1/users/{_seg(user_id)}/export")

    def delete_user(self, user_id: str) -> ErasureReport:
        """Erases the user's preferences, events and state (GDPR erasure); safe to repeat."""
        data = self._request("DELETE", f"/v1/users/{_seg(user_id)}")
        report = ErasureReport.from_dict(data) if isinstance(data, Mapping) else ErasureReport()
        report.user_id = report.user_id or user_id
        return report

    # ---- models and jobs ------------------------------------------------------------------

    def retrain(self, kind: str = "full") -> Job:
        """Starts a retrain (``full`` or ``incremental``); returns the queued job."""
        # Not repeated after an ambiguous failure: that could start a second training run.
        return Job.from_dict(self._request("POST", "/v1/models/retrain", body={"kind": kind}, idempotent=False))

    def get_job(self, job_id: str) -> Job:
        return Job.from_dict(self._request("GET", f"/v1/models/jobs/{_seg(job_id)}"))

    def wait_for_job(
        self, job_id: str, timeout: float = 600.0, poll_interval: float = 1.0, raise_on_failure: bool = True
    ) -> Job:
        """Polls until the job completes or fails. Raises ``JobFailedError`` on failure (unless
        ``raise_on_failure`` is False) and ``PersonalizedTimeoutError`` after ``timeout`` seconds.
        A service briefly unavailable while polling is waited out."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                job = self.get_job(job_id)
                if job.done:
                    if job.state == "failed" and raise_on_failure:
                        raise JobFailedError(job)
                    return job
            except ServiceUnavailableError:
                if time.monotonic() >= deadline:
                    raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PersonalizedTimeoutError(None, "job_timeout", f"job {job_id} not finished after {timeout:g}s")
            self._sleep(min(poll_interval, remaining))

    def list_models(self) -> ModelList:
        return ModelList.from_dict(self._request("GET", "/v1/models"))

    def activate_model(self, version: str) -> ModelInfo:
        """Makes ``version`` the serving model (also how to roll back)."""
        data = self._request("POST", f"/v1/models/{_seg(version)}/activate", idempotent=True)
        if isinstance(data, Mapping) and isinstance(data.get("model"), Mapping):
            data = data["model"]
        return ModelInfo.from_dict(data)

    # ---- ops ------------------------------------------------------------------------------

    def health(self) -> Health:
        """Liveness and readiness, without retries; never raises for an unreachable service."""
        result = Health(live=False, ready=False)
        for path, attr in (("/healthz", "liveness"), ("/readyz", "readiness")):
            try:
                resp = self._send_once("GET", path, None)
            except _TransportError as exc:
                result.error = str(exc)
                return result
            body = _json_body(resp.body)
            setattr(result, attr, body if isinstance(body, dict) else None)
            ok = 200 <= resp.status < 300
            if path == "/healthz":
                result.live = ok
            else:
                result.ready = ok
        return result

    # ---- transport ------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        idempotent: Optional[bool] = None,
    ) -> Any:
        """Sends one logical request with retries; returns the decoded JSON (None for no body)."""
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        target = path
        if query:
            encoded = _encode_query(query)
            if encoded:
                target = f"{path}?{encoded}"
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8") if body is not None else None
        # One id for all attempts: the service logs it, so a failure can be traced across retries.
        request_id = str(uuid.uuid4())
        attempt = 0
        while True:
            try:
                resp = self._send_once(method, target, payload, request_id)
            except _TransportError as exc:
                if attempt < self.max_retries and (idempotent or not exc.sent):
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                cls = PersonalizedTimeoutError if exc.timeout else ServiceUnavailableError
                code = "timeout" if exc.timeout else "unreachable"
                failure = cls(None, code, f"{method} {self.base_url}{target}: {exc}")
                failure.request_id = request_id
                raise failure from None
            if 200 <= resp.status < 300:
                try:
                    return self._decode(resp)
                except PersonalizedError as bad:
                    bad.request_id = resp.headers.get("x-request-id") or request_id
                    raise
            error = self._error(resp)
            error.request_id = resp.headers.get("x-request-id") or request_id
            if resp.status in RETRY_STATUSES and attempt < self.max_retries:
                delay = self._backoff(attempt)
                retry_after = getattr(error, "retry_after", None)  # set on 429 and 5xx
                if retry_after is not None:
                    if retry_after > self.max_retry_after:
                        raise error  # the caller should not block that long
                    delay = max(retry_after, delay if resp.status != 429 else 0.0)
                self._sleep(delay)
                attempt += 1
                continue
            raise error

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** attempt))
        return random.uniform(ceiling / 2, ceiling)

    def _headers(self, has_body: bool, request_id: Optional[str]) -> Dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if request_id:
            headers["X-Request-Id"] = request_id
        if has_body:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _send_once(
        self, method: str, target: str, payload: Optional[bytes], request_id: Optional[str] = None
    ) -> _Response:
        if self._scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self._host, self._port, timeout=self.connect_timeout
            )
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self.connect_timeout)
        try:
            try:
                conn.connect()
            except socket.timeout:
                raise _TransportError(f"connect timed out after {self.connect_timeout:g}s", timeout=True, sent=False)
            except OSError as exc:
                raise _TransportError(f"cannot connect: {exc}", timeout=False, sent=False)
            if conn.sock is not None:
                conn.sock.settimeout(self.read_timeout)
            try:
                headers = self._headers(payload is not None, request_id)
                if payload is None and method in ("POST", "PUT", "PATCH"):
                    headers["Content-Length"] = "0"
                conn.request(method, self._prefix + target, body=payload, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except socket.timeout:
                raise _TransportError(f"no response within {self.read_timeout:g}s", timeout=True, sent=True)
            except (OSError, http.client.HTTPException) as exc:
                raise _TransportError(f"connection failed: {exc!r}", timeout=False, sent=True)
            return _Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    @staticmethod
    def _decode(resp: _Response) -> Any:
        if resp.status == 204 or not resp.body.strip():
            return None
        try:
            return json.loads(resp.body.decode("utf-8"))
        except ValueError:
            raise PersonalizedError(resp.status, "invalid_response", "response is not JSON", resp.body[:200]) from None

    @staticmethod
    def _error(resp: _Response) -> PersonalizedError:
        code, message, details = f"http_{resp.status}", f"HTTP {resp.status}", None
        body = _json_body(resp.body, _NOT_JSON)
        if body is _NOT_JSON:
            body = None
            text = resp.body[:200].decode("utf-8", "replace").strip()
            if text:
                message = text
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            code = str(err.get("code") or code)
            message = str(err.get("message") or message)
            details = err.get("details")
        elif isinstance(body, dict) and isinstance(body.get("message"), str):
            message = body["message"]
        status = resp.status
        retry_after = _parse_retry_after(resp.headers.get("retry-after"))
        if status == 429:
            return RateLimitedError(status, code, message, details, retry_after)
        if status in (400, 422):
            return BadRequestError(status, code, message, details)
        if status in (401, 403):
            return AuthenticationError(status, code, message, details)
        if status == 404:
            return NotFoundError(status, code, message, details)
        if status >= 500:
            return ServiceUnavailableError(status, code, message, details, retry_after)
        return PersonalizedError(status, code, message, details)


def _first(*values: Optional[float]) -> float:
    for value in values:
        if value is not None:
            return float(value)
    raise ValueError("no value")


# --------------------------------------------------------------------------------------------
# Module-level calls over a lazily created default client

_default: Optional[PersonalizedService] = None
_default_lock = threading.Lock()


def get_default_service() -> PersonalizedService:
    """The shared client, created from the environment on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = PersonalizedService()
    return _default


def configure(**kwargs: Any) -> PersonalizedService:
    """Replaces the shared client, e.g. ``configure(base_url=..., fallback=popular_ids)``."""
    global _default
    with _default_lock:
        _default = PersonalizedService(**kwargs)
    return _default


def get_recommendations(
    user_id: str,
    limit: int = 10,
    content_types: Union[None, str, Iterable[str]] = None,
    languages: Union[None, str, Iterable[str]] = None,
    genres: Union[None, str, Iterable[str]] = None,
    exclude_item_ids: Union[None, str, Iterable[str]] = None,
    device: Optional[str] = None,
    session_id: Optional[str] = None,
    diversity: Optional[float] = None,
    explore: Optional[bool] = None,
    context: Optional[Mapping[str, Any]] = None,
    *,
    fallback_items: Optional[FallbackSource] = None,
) -> Recommendations:
    return get_default_service().get_recommendations(
        user_id, limit, content_types, languages, genres, exclude_item_ids, device, session_id,
        diversity, explore, context, fallback_items=fallback_items,
    )


def get_similar_items(item_id: str, mode: str = "hybrid", limit: int = 10) -> SimilarItems:
    return get_default_service().get_similar_items(item_id, mode, limit)


def track_event(user_id: str, type: str, item_id: Optional[str] = None, **fields: Any) -> EventAck:
    return get_default_service().track_event(user_id, type, item_id, **fields)


def track_events(events: Iterable[Mapping[str, Any]]) -> EventAck:
    return get_default_service().track_events(events)


def upsert_items(items: Iterable[Union[Mapping[str, Any], Item]]) -> UpsertResult:
    return get_default_service().upsert_items(items)


def get_item(item_id: str) -> Item:
    return get_default_service().get_item(item_id)


def delete_item(item_id: str) -> Any:
    return get_default_service().delete_item(item_id)


def set_preferences(
    user_id: str,
    genres: Optional[Sequence[str]] = None,
    languages: Optional[Sequence[str]] = None,
    content_types: Optional[Sequence[str]] = None,
    liked_item_ids: Optional[Sequence[str]] = None,
    age_bucket: Optional[str] = None,
    country: Optional[str] = None,
    friends: Optional[Sequence[str]] = None,
    **more: Any,
) -> Preferences:
    return get_default_service().set_preferences(
        user_id, genres, languages, content_types, liked_item_ids, age_bucket, country, friends, **more
    )


def export_user(user_id: str) -> Dict[str, Any]:
    return get_default_service().export_user(user_id)


def delete_user(user_id: str) -> ErasureReport:
    return get_default_service().delete_user(user_id)


def retrain(kind: str = "full") -> Job:
    return get_default_service().retrain(kind)


def get_job(job_id: str) -> Job:
    return get_default_service().get_job(job_id)


def wait_for_job(job_id: str, timeout: float = 600.0, poll_interval: float = 1.0, raise_on_failure: bool = True) -> Job:
    return get_default_service().wait_for_job(job_id, timeout, poll_interval, raise_on_failure)


def list_models() -> ModelList:
    return get_default_service().list_models()


def activate_model(version: str) -> ModelInfo:
    return get_default_service().activate_model(version)


def health() -> Health:
    return get_default_service().health()
