"""Client behaviour against a scripted stub server: retries, errors, timeouts, fallback, encoding."""

import os
import re
import time
import unittest
import uuid
from datetime import datetime, timezone
from unittest import mock
from urllib.parse import parse_qs, unquote, urlsplit

from support import Reply, StubServer, closed_port, personalized as p

RECS = {
    "request_id": "r1",
    "user_id": "u1",
    "model_version": "v1",
    "experiment_id": "exp-default",
    "variant": "ncf_primary",
    "degraded": False,
    "generated_at": "2026-01-01T00:00:00.000Z",
    "items": [
        {
            "item_id": "m1",
            "title": "Inception",
            "rank": 1,
            "predicted_score": 0.87,
            "confidence_interval": [0.79, 0.93],
            "explanation_reasons": ["genre_pref: Sci-Fi (0.82)"],
            "algorithm_source": "ncf_primary",
            "experiment_id": "exp-default",
            "diversity_category": "sci-fi|2010s|popular",
        }
    ],
}


def error_body(code, message, details=None):
    return {"error": {"code": code, "message": message, "details": details}}


class StubTestCase(unittest.TestCase):
    def setUp(self):
        self.stub = StubServer().__enter__()
        self.addCleanup(self.stub.__exit__, None, None, None)
        self.sleeps = []

    def client(self, **kwargs):
        kwargs.setdefault("max_retries", 2)
        kwargs.setdefault("backoff_base", 0.01)
        kwargs.setdefault("read_timeout", 2.0)
        kwargs.setdefault("connect_timeout", 1.0)
        return p.PersonalizedService(self.stub.url, **kwargs)


class RetryTests(StubTestCase):
    def test_retries_503_then_succeeds(self):
        self.stub.script(Reply(503, error_body("unavailable", "warming up")), Reply(200, RECS))
        recs = self.client().get_recommendations("u1")
        self.assertEqual(recs.item_ids, ["m1"])
        self.assertEqual(len(self.stub.requests), 2)

    def test_retries_502_and_504(self):
        self.stub.script(Reply(502, raw=b"bad gateway"), Reply(504, raw=b""), Reply(200, RECS))
        self.assertEqual(self.client().get_recommendations("u1").item_ids, ["m1"])
        self.assertEqual(len(self.stub.requests), 3)

    def test_gives_up_after_max_retries(self):
        self.stub.script(Reply(503, error_body("unavailable", "down")))
        with self.assertRaises(p.ServiceUnavailableError) as ctx:
            self.client(max_retries=2).get_recommendations("u1")
        self.assertEqual(ctx.exception.status, 503)
        self.assertEqual(ctx.exception.code, "unavailable")
        self.assertEqual(len(self.stub.requests), 3)

    def test_429_waits_for_retry_after_seconds(self):
        self.stub.script(Reply(429, error_body("rate_limited", "slow down"), {"Retry-After": "1"}), Reply(200, RECS))
        self.client().get_recommendations("u1")
        self.assertEqual(len(self.stub.requests), 2)
        gap = self.stub.requests[1].at - self.stub.requests[0].at
        self.assertGreaterEqual(gap, 0.95)
        self.assertLess(gap, 3.0)

    def test_429_with_too_long_retry_after_raises_at_once(self):
        self.stub.script(Reply(429, error_body("rate_limited", "slow down"), {"Retry-After": "120"}))
        with self.assertRaises(p.RateLimitedError) as ctx:
            self.client(max_retry_after=5).get_recommendations("u1")
        self.assertEqual(ctx.exception.retry_after, 120)
        self.assertEqual(len(self.stub.requests), 1)

    def test_no_retry_on_400(self):
        details = {"field": "limit"}
        self.stub.script(Reply(400, error_body("invalid_request", "limit must be <= 100", details)), Reply(200, RECS))
        with self.assertRaises(p.BadRequestError) as ctx:
            self.client().get_recommendations("u1", limit=1000)
        err = ctx.exception
        self.assertEqual((err.status, err.code, err.message, err.details),
                         (400, "invalid_request", "limit must be <= 100", details))
        self.assertEqual(len(self.stub.requests), 1)

    def test_retries_a_dropped_connection_for_reads(self):
        self.stub.script(Reply(drop=True), Reply(200, RECS))
        self.assertEqual(self.client().get_recommendations("u1").item_ids, ["m1"])
        self.assertEqual(len(self.stub.requests), 2)

    def test_backoff_is_jittered_and_capped(self):
        client = self.client(backoff_base=0.5, backoff_max=2.0)
        for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (6, 2.0)]:
            delays = [client._backoff(attempt) for _ in range(50)]
            self.assertTrue(all(ceiling / 2 <= d <= ceiling for d in delays), (attempt, delays[:3]))
            self.assertGreater(len(set(delays)), 1)


class ErrorMappingTests(StubTestCase):
    def call(self, reply):
        self.stub.script(reply)
        with self.assertRaises(p.PersonalizedError) as ctx:
            self.client(max_retries=0).get_item("m1")
        return ctx.exception

    def test_status_to_class(self):
        cases = [
            (400, p.BadRequestError),
            (422, p.BadRequestError),
            (401, p.AuthenticationError),
            (403, p.AuthenticationError),
            (404, p.NotFoundError),
            (500, p.ServiceUnavailableError),
            (503, p.ServiceUnavailableError),
            (429, p.RateLimitedError),
        ]
        for status, cls in cases:
            with self.subTest(status=status):
                err = self.call(Reply(status, error_body(f"code_{status}", f"message {status}", {"s": status})))
                self.assertIs(type(err), cls)
                self.assertEqual((err.status, err.code, err.message, err.details),
                                 (status, f"code_{status}", f"message {status}", {"s": status}))

    def test_other_4xx_is_the_base_error(self):
        err = self.call(Reply(409, error_body("conflict", "already there")))
        self.assertIs(type(err), p.PersonalizedError)
        self.assertEqual(err.code, "conflict")

    def test_non_json_error_body(self):
        err = self.call(Reply(500, raw=b"<html>boom</html>"))
        self.assertIsInstance(err, p.ServiceUnavailableError)
        self.assertEqual(err.code, "http_500")
        self.assertIn("boom", err.message)

    def test_success_with_invalid_json(self):
        err = self.call(Reply(200, raw=b"not json"))
        self.assertEqual(err.code, "invalid_response")

    def test_one_request_id_across_retries_and_on_the_error(self):
        self.stub.script(Reply(503, error_body("NOT_READY", "loading")))
        with self.assertRaises(p.ServiceUnavailableError) as ctx:
            self.client(max_retries=2).get_item("m1")
        sent = {r.headers["X-Request-Id"] for r in self.stub.requests}
        self.assertEqual(len(self.stub.requests), 3)
        self.assertEqual(sent, {ctx.exception.request_id})
        self.assertIn(ctx.exception.request_id, str(ctx.exception))
        with self.assertRaises(p.ServiceUnavailableError) as again:
            self.client(max_retries=0).get_item("m1")
        self.assertNotEqual(again.exception.request_id, ctx.exception.request_id)

    def test_request_id_echoed_by_the_service_wins(self):
        err = self.call(Reply(500, error_body("INTERNAL_ERROR", "see log"), {"X-Request-Id": "srv-42"}))
        self.assertEqual(err.request_id, "srv-42")

    def test_str_names_status_and_code(self):
        err = self.call(Reply(404, error_body("item_not_found", "no item m1")))
        self.assertIn("404", str(err))
        self.assertIn("item_not_found", str(err))


class TimeoutTests(StubTestCase):
    def test_read_timeout_raises_timeout_error(self):
        self.stub.script(Reply(200, RECS, delay=1.0))
        started = time.monotonic()
        with self.assertRaises(p.PersonalizedTimeoutError) as ctx:
            self.client(read_timeout=0.2, max_retries=0).get_recommendations("u1")
        self.assertLess(time.monotonic() - started, 0.9)
        self.assertIsNone(ctx.exception.status)
        self.assertEqual(ctx.exception.code, "timeout")

    def test_read_timeout_is_retried_for_reads(self):
        self.stub.script(Reply(200, RECS, delay=0.6), Reply(200, RECS))
        recs = self.client(read_timeout=0.2, max_retries=1).get_recommendations("u1")
        self.assertEqual(recs.item_ids, ["m1"])
        self.assertEqual(len(self.stub.requests), 2)

    def test_retrain_is_not_repeated_after_a_read_timeout(self):
        self.stub.script(Reply(202, {"job_id": "j1", "state": "queued"}, delay=0.6))
        with self.assertRaises(p.PersonalizedTimeoutError):
            self.client(read_timeout=0.2, max_retries=2).retrain()
        time.sleep(0.1)
        self.assertEqual(len(self.stub.requests), 1)

    def test_event_retry_after_timeout_resends_the_same_ids(self):
        self.stub.script(Reply(202, {"accepted": 1, "duplicates": 0}, delay=0.6), Reply(202, {"accepted": 0, "duplicates": 1}))
        ack = self.client(read_timeout=0.2, max_retries=1).track_event("u1", "click", "m1")
        self.assertEqual(len(self.stub.requests), 2)
        first, second = (r.json()["events"][0] for r in self.stub.requests)
        self.assertEqual(first, second)
        self.assertEqual(ack.duplicates, 1)
        self.assertEqual(ack.event_ids, [first["event_id"]])

    def test_connect_timeout_is_separate_from_read_timeout(self):
        client = p.PersonalizedService("http://127.0.0.1:1", connect_timeout=0.3, read_timeout=7)
        self.assertEqual((client.connect_timeout, client.read_timeout), (0.3, 7.0))


class FallbackTests(unittest.TestCase):
    def unreachable(self, **kwargs):
        kwargs.setdefault("max_retries", 1)
        kwargs.setdefault("backoff_base", 0.01)
        return p.PersonalizedService(f"http://127.0.0.1:{closed_port()}", **kwargs)

    def test_unreachable_without_fallback_raises(self):
        with self.assertRaises(p.ServiceUnavailableError) as ctx:
            self.unreachable().get_recommendations("u1")
        self.assertEqual(ctx.exception.code, "unreachable")
        self.assertIsNone(ctx.exception.status)

    def test_fallback_items_when_unreachable(self):
        recs = self.unreachable().get_recommendations(
            "u1", limit=2, exclude_item_ids=["m2"], fallback_items=["m1", "m2", {"item_id": "m3", "title": "Heat"}, "m4"]
        )
        self.assertTrue(recs.degraded)
        self.assertEqual(recs.user_id, "u1")
        self.assertEqual(recs.item_ids, ["m1", "m3"])
        self.assertEqual([i.rank for i in recs.items], [1, 2])
        self.assertEqual(recs.items[1].title, "Heat")
        self.assertEqual({i.algorithm_source for i in recs.items}, {"popularity_fallback"})
        self.assertTrue(recs.request_id.startswith("fallback-"))

    def test_callable_fallback_on_the_client(self):
        calls = []

        def popular(user_id, limit):
            calls.append((user_id, limit))
            return [p.RecommendedItem(item_id=f"pop{i}", title=f"Popular {i}") for i in range(10)]

        recs = self.unreachable(fallback=popular).get_recommendations("u9", limit=3)
        self.assertEqual(calls, [("u9", 3)])
        self.assertTrue(recs.degraded)
        self.assertEqual(recs.item_ids, ["pop0", "pop1", "pop2"])

    def test_failing_fallback_still_returns_an_empty_degraded_list(self):
        def broken(user_id, limit):
            raise RuntimeError("cache down too")

        with self.assertLogs(p.logger, "WARNING"):
            recs = self.unreachable(fallback=broken).get_recommendations("u1")
        self.assertTrue(recs.degraded)
        self.assertEqual(recs.items, [])

    def test_fallback_on_5xx_and_timeout_but_not_on_400(self):
        with StubServer() as stub:
            client = p.PersonalizedService(stub.url, max_retries=0, read_timeout=0.2, fallback=["m9"])
            stub.script(Reply(500, error_body("internal", "bug")))
            self.assertTrue(client.get_recommendations("u1").degraded)
            stub.script(Reply(200, RECS, delay=0.6))
            self.assertTrue(client.get_recommendations("u1").degraded)
            stub.script(Reply(400, error_body("invalid_request", "bad limit")))
            with self.assertRaises(p.BadRequestError):
                client.get_recommendations("u1", limit=-1)


class EncodingTests(StubTestCase):
    def test_get_recommendations_query(self):
        self.stub.script(Reply(200, RECS))
        self.client().get_recommendations(
            "user 1/é", limit=5, content_types=["movie", "anime"], languages="en,ja", genres=("Sci-Fi", "Drama & Co"),
            exclude_item_ids=["m1", "m 2"], device="tv", session_id="s1", diversity=0.3, explore=True,
        )
        req = self.stub.requests[0]
        self.assertEqual(req.method, "GET")
        path, _, query = req.path.partition("?")
        self.assertEqual(path, "/v1/users/user%201%2F%C3%A9/recommendations")
        self.assertEqual(unquote(path.split("/")[3]), "user 1/é")
        self.assertEqual(parse_qs(query), {
            "limit": ["5"], "content_types": ["movie,anime"], "languages": ["en,ja"], "genres": ["Sci-Fi,Drama & Co"],
            "exclude_item_ids": ["m1,m 2"], "device": ["tv"], "session_id": ["s1"], "diversity": ["0.3"],
            "explore": ["true"],
        })

    def test_unset_parameters_are_not_sent(self):
        self.stub.script(Reply(200, RECS))
        self.client().get_recommendations("u1")
        self.assertEqual(self.stub.requests[0].path, "/v1/users/u1/recommendations?limit=10")

    def test_context_switches_to_post_with_json_body(self):
        self.stub.script(Reply(200, RECS))
        when = datetime(2026, 1, 2, 20, 30, tzinfo=timezone.utc)
        self.client().get_recommendations(
            "u1", limit=3, content_types=["movie"], exclude_item_ids=["m1"], device="mobile", session_id="s9",
            diversity=0.5, explore=False, context={"region": "FR", "timezone": "Europe/Paris", "timestamp": when},
        )
        req = self.stub.requests[0]
        self.assertEqual((req.method, req.path), ("POST", "/v1/recommendations"))
        self.assertEqual(req.headers["Content-Type"], "application/json")
        self.assertEqual(req.json(), {
            "user_id": "u1", "limit": 3, "content_types": ["movie"], "exclude_item_ids": ["m1"], "diversity": 0.5,
            "explore": False, "context": {"region": "FR", "timezone": "Europe/Paris",
                                          "timestamp": "2026-01-02T20:30:00.000Z", "device": "mobile",
                                          "session_id": "s9"},
        })

    def test_ids_with_commas_go_in_a_body(self):
        self.stub.script(Reply(200, RECS))
        self.client().get_recommendations("u1", exclude_item_ids=["a,b", "c"])
        req = self.stub.requests[0]
        self.assertEqual(req.method, "POST")
        self.assertEqual(req.json()["exclude_item_ids"], ["a,b", "c"])

    def test_long_exclusion_lists_go_in_a_body(self):
        self.stub.script(Reply(200, RECS))
        history = [f"item-{i:05d}" for i in range(400)]
        self.client().get_recommendations("u1", exclude_item_ids=history, device="tv")
        req = self.stub.requests[0]
        self.assertEqual((req.method, req.path), ("POST", "/v1/recommendations"))
        self.assertEqual(req.json()["exclude_item_ids"], history)
        self.assertEqual(req.json()["context"], {"device": "tv"})

    def test_similar_items_query(self):
        self.stub.script(Reply(200, {"item_id": "m 1", "mode": "story", "items": [{"item_id": "m2", "score": 0.9, "x": 1}]}))
        similar = self.client().get_similar_items("m 1", mode="story", limit=4)
        self.assertEqual(self.stub.requests[0].path, "/v1/items/m%201/similar?mode=story&limit=4")
        self.assertEqual(similar.item_ids, ["m2"])
        self.assertEqual(similar.items[0].score, 0.9)

    def test_bearer_key_only_when_set(self):
        self.stub.script(Reply(200, RECS))
        self.client(api_key="s3cret").get_recommendations("u1")
        self.client(api_key="").get_recommendations("u1")
        self.assertEqual(self.stub.requests[0].headers.get("Authorization"), "Bearer s3cret")
        self.assertNotIn("Authorization", self.stub.requests[1].headers)
        self.assertNotIn("s3cret", repr(self.client(api_key="s3cret")))

    def test_base_url_prefix_is_kept(self):
        self.stub.script(Reply(200, RECS))
        p.PersonalizedService(self.stub.url + "/recs/", max_retries=0).get_recommendations("u1")
        self.assertTrue(self.stub.requests[0].path.startswith("/recs/v1/users/u1/recommendations"))


class ResultTests(StubTestCase):
    def test_unknown_fields_are_ignored(self):
        body = dict(RECS, new_top_level={"x": 1}, items=[dict(RECS["items"][0], novelty=0.4)])
        self.stub.script(Reply(200, body))
        recs = self.client().get_recommendations("u1")
        item = recs.items[0]
        self.assertIsInstance(item, p.RecommendedItem)
        self.assertEqual(item.confidence_interval, (0.79, 0.93))
        self.assertEqual(item.explanation_reasons, ["genre_pref: Sci-Fi (0.82)"])
        self.assertEqual((recs.model_version, recs.variant, recs.degraded), ("v1", "ncf_primary", False))

    def test_missing_required_field_is_an_invalid_response(self):
        self.stub.script(Reply(200, dict(RECS, items=[{"title": "no id"}])))
        with self.assertRaises(p.PersonalizedError) as ctx:
            self.client().get_recommendations("u1")
        self.assertEqual(ctx.exception.code, "invalid_response")

    def test_models_and_jobs(self):
        self.stub.script(
            Reply(200, {"active_version": "v2", "models": [
                {"version": "v2", "created_at": "t", "components": ["als"], "metrics": {"ndcg@10": 0.4},
                 "training_seconds": 3.5, "status": "active", "notes": None, "extra": True}]}),
            Reply(202, {"job_id": "j1", "state": "queued"}),
            Reply(200, {"job_id": "j1", "name": "train", "state": "running", "progress": 0.5,
                        "created_at": "t0", "started_at": "t1", "queue": "x"}),
        )
        client = self.client()
        models = client.list_models()
        self.assertEqual(models.active_version, "v2")
        self.assertEqual(models.models[0].metrics, {"ndcg@10": 0.4})
        job = client.retrain("incremental")
        self.assertEqual((job.job_id, job.state), ("j1", "queued"))
        self.assertEqual(self.stub.requests[1].json(), {"kind": "incremental"})
        job = client.get_job("j1")
        self.assertEqual((job.state, job.progress, job.done), ("running", 0.5, False))


class CallTests(StubTestCase):
    def test_track_event_fills_id_and_utc_timestamp(self):
        self.stub.script(Reply(202, {"accepted": 1, "duplicates": 0}))
        ack = self.client().track_event("u1", "watch", "m1", completion=0.8, device="tv")
        event = self.stub.requests[0].json()["events"][0]
        self.assertEqual(str(uuid.UUID(event["event_id"], version=4)), event["event_id"])
        self.assertRegex(event["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        sent = datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        self.assertLess(abs((datetime.now(timezone.utc) - sent).total_seconds()), 5)
        self.assertEqual({k: event[k] for k in ("user_id", "type", "item_id", "completion", "device")},
                         {"user_id": "u1", "type": "watch", "item_id": "m1", "completion": 0.8, "device": "tv"})
        self.assertNotIn("rating", event)
        self.assertEqual((ack.accepted, ack.duplicates, ack.event_ids), (1, 0, [event["event_id"]]))

    def test_track_events_keeps_given_ids_and_does_not_modify_input(self):
        self.stub.script(Reply(202, {"accepted": 2, "duplicates": 0}))
        events = [{"event_id": "e1", "user_id": "u1", "type": "click", "item_id": "m1",
                   "timestamp": "2026-01-01T00:00:00Z"},
                  {"user_id": "u1", "type": "search", "query": "space", "result_item_ids": ["m1"]}]
        self.client().track_events(events)
        sent = self.stub.requests[0].json()["events"]
        self.assertEqual(sent[0], events[0])
        self.assertNotIn("event_id", events[1])
        self.assertTrue(sent[1]["event_id"])

    def test_batches_of_at_most_1000(self):
        self.stub.script(Reply(200, {"upserted": 1000}), Reply(200, {"upserted": 1000}), Reply(200, {"upserted": 500}))
        items = [{"item_id": f"m{i}", "title": f"T{i}", "content_type": "movie"} for i in range(2500)]
        result = self.client().upsert_items(items)
        self.assertEqual([len(r.json()["items"]) for r in self.stub.requests], [1000, 1000, 500])
        self.assertEqual(self.stub.requests[2].json()["items"][-1]["item_id"], "m2499")
        self.assertEqual({r.method for r in self.stub.requests}, {"PUT"})
        self.assertEqual((result.upserted, result.batches), (2500, 3))

        self.stub.script(Reply(202, {"accepted": 1000, "duplicates": 0}), Reply(202, {"accepted": 1, "duplicates": 0}))
        self.stub.requests.clear()
        ack = self.client().track_events([{"user_id": "u", "type": "click", "item_id": "m"}] * 1001)
        self.assertEqual([len(r.json()["events"]) for r in self.stub.requests], [1000, 1])
        self.assertEqual(ack.accepted, 1001)
        self.assertEqual(len(set(ack.event_ids)), 1001)

    def test_upsert_accepts_item_dataclasses_without_updated_at(self):
        self.stub.script(Reply(200, {"upserted": 1}))
        item = p.Item(item_id="m1", title="Heat", content_type="movie", genres=["Crime"], year=1995,
                      available=False, updated_at="t")
        self.client().upsert_items([item])
        sent = self.stub.requests[0].json()["items"][0]
        self.assertEqual(sent, {"item_id": "m1", "title": "Heat", "content_type": "movie", "genres": ["Crime"],
                                "languages": [], "cast": [], "crew": [], "year": 1995, "regions": [],
                                "available": False})

    def test_set_preferences_sends_snake_case_fields_given(self):
        self.stub.script(Reply(200, {"user_id": "u1", "genres": ["Drama"], "languages": ["en"]}))
        prefs = self.client().set_preferences("u1", genres=["Drama"], languages=["en"], liked_item_ids=["m1"],
                                              age_bucket="25-34", country="FR", friends=["u2"])
        req = self.stub.requests[0]
        self.assertEqual((req.method, req.path), ("PUT", "/v1/users/u1/preferences"))
        self.assertEqual(req.json(), {"genres": ["Drama"], "languages": ["en"], "liked_item_ids": ["m1"],
                                      "age_bucket": "25-34", "country": "FR", "friends": ["u2"]})
        self.assertEqual(prefs.genres, ["Drama"])

    def test_paths_of_the_other_calls(self):
        self.stub.script(Reply(200, {"item_id": "m/1", "title": "X", "content_type": "anime", "genres": []}))
        client = self.client()
        self.assertEqual(client.get_item("m/1").content_type, "anime")
        self.stub.script(Reply(204))
        self.assertIsNone(client.delete_item("m/1"))
        self.stub.script(Reply(200, {"user_id": "u1", "events": []}))
        self.assertEqual(client.export_user("u1")["user_id"], "u1")
        self.stub.script(Reply(200, {"user_id": "u1", "events": 7, "preferences": True, "features": 3, "new": 1}))
        self.assertEqual(client.delete_user("u1"), p.ErasureReport("u1", 7, True, 3))
        self.stub.script(Reply(200, {"version": "v1", "status": "active"}))
        self.assertEqual(client.activate_model("v1").status, "active")
        got = [(r.method, r.path) for r in self.stub.requests]
        self.assertEqual(got, [("GET", "/v1/items/m%2F1"), ("DELETE", "/v1/items/m%2F1"), ("GET", "/v1/users/u1/export"),
                               ("DELETE", "/v1/users/u1"), ("POST", "/v1/models/v1/activate")])


class WaitForJobTests(StubTestCase):
    def job(self, state, **extra):
        return Reply(200, dict({"job_id": "j1", "name": "train", "state": state}, **extra))

    def test_polls_until_completed(self):
        self.stub.script(self.job("queued"), Reply(503, error_body("unavailable", "blip")), self.job("running"),
                         self.job("completed", result={"version": "v3"}))
        client = self.client(max_retries=0)
        client._sleep = lambda s: None
        job = client.wait_for_job("j1", timeout=10, poll_interval=0.01)
        self.assertEqual((job.state, job.result), ("completed", {"version": "v3"}))
        self.assertEqual(len(self.stub.requests), 4)

    def test_failed_job_raises(self):
        self.stub.script(self.job("failed", error="out of memory"))
        with self.assertRaises(p.JobFailedError) as ctx:
            self.client().wait_for_job("j1", timeout=5)
        self.assertEqual(ctx.exception.job.error, "out of memory")
        job = self.client().wait_for_job("j1", timeout=5, raise_on_failure=False)
        self.assertEqual(job.state, "failed")

    def test_times_out(self):
        self.stub.script(self.job("running"))
        started = time.monotonic()
        with self.assertRaises(p.PersonalizedTimeoutError):
            self.client().wait_for_job("j1", timeout=0.3, poll_interval=0.05)
        self.assertLess(time.monotonic() - started, 2)

    def test_unknown_job_is_not_found(self):
        self.stub.script(Reply(404, error_body("job_not_found", "no job")))
        with self.assertRaises(p.NotFoundError):
            self.client().wait_for_job("nope", timeout=5)


class HealthTests(StubTestCase):
    def test_live_and_ready(self):
        self.stub.script(Reply(200, {"status": "ok"}), Reply(503, {"status": "loading"}))
        health = self.client().health()
        self.assertEqual((health.live, health.ready), (True, False))
        self.assertEqual(health.readiness, {"status": "loading"})
        self.assertEqual([r.path for r in self.stub.requests], ["/healthz", "/readyz"])

    def test_unreachable_is_not_an_exception(self):
        health = p.PersonalizedService(f"http://127.0.0.1:{closed_port()}").health()
        self.assertEqual((health.live, health.ready), (False, False))
        self.assertTrue(health.error)


class ConfigurationTests(unittest.TestCase):
    def test_environment(self):
        env = {"PERSONALIZED_BASE_URL": "https://recs.example.com/api/", "PERSONALIZED_API_KEY": "k",
               "PERSONALIZED_TIMEOUT": "3.5", "PERSONALIZED_MAX_RETRIES": "4"}
        with mock.patch.dict(os.environ, env):
            client = p.PersonalizedService()
        self.assertEqual(client.base_url, "https://recs.example.com/api")
        self.assertEqual((client.api_key, client.connect_timeout, client.read_timeout, client.max_retries),
                         ("k", 3.5, 3.5, 4))

    def test_defaults_and_argument_precedence(self):
        with mock.patch.dict(os.environ, {"PERSONALIZED_TIMEOUT": "9"}, clear=True):
            default = p.PersonalizedService()
            explicit = p.PersonalizedService("http://h:1", "key", connect_timeout=0.5, max_retries=0)
        with mock.patch.dict(os.environ, {}, clear=True):
            plain = p.PersonalizedService()
        self.assertEqual(plain.base_url, "http://127.0.0.1:8080")
        self.assertEqual((plain.connect_timeout, plain.read_timeout, plain.max_retries, plain.api_key),
                         (2.0, 5.0, 2, None))
        self.assertEqual((default.connect_timeout, default.read_timeout), (9.0, 9.0))
        self.assertEqual((explicit.connect_timeout, explicit.read_timeout, explicit.max_retries), (0.5, 9.0, 0))

    def test_bad_base_url(self):
        with self.assertRaises(ValueError):
            p.PersonalizedService("ftp://x")

    def test_module_functions_use_a_lazy_default(self):
        with StubServer() as stub:
            stub.script(Reply(200, RECS))
            saved = p._default
            self.addCleanup(setattr, p, "_default", saved)
            p._default = None
            with mock.patch.dict(os.environ, {"PERSONALIZED_BASE_URL": stub.url, "PERSONALIZED_API_KEY": "envkey"}):
                recs = p.get_recommendations("u1", limit=1, genres=["Drama"])
                self.assertIs(p.get_default_service(), p.get_default_service())
            self.assertEqual(recs.item_ids, ["m1"])
            self.assertEqual(stub.requests[0].headers["Authorization"], "Bearer envkey")
            self.assertEqual(urlsplit(stub.requests[0].path).query, "limit=1&genres=Drama")
            configured = p.configure(base_url=stub.url, max_retries=0)
            self.assertIs(p.get_default_service(), configured)


if __name__ == "__main__":
    unittest.main()
