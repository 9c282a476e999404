"""End to end against the real service in embedded mode.

Starts ``pnpm start`` from the repository root on a free loopback port with a temporary data
directory, waits for ``/readyz``, runs every client call, and stops the whole process group.
Set ``PERSONALIZED_E2E_URL`` to test a service that is already running instead.
The steps run in order (numbered) and share the catalogue and events they create.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

from support import PACKAGE_ROOT, free_port, personalized as p

REPO_ROOT = os.path.dirname(os.path.dirname(PACKAGE_ROOT))
ENTRY_POINT = os.path.join(REPO_ROOT, "apps", "api", "src", "main.ts")
READY_WITHIN = 60.0
SCI_FI = [f"sf{i}" for i in range(12)]
ANIME = [f"an{i}" for i in range(12)]
DRAMA = [f"dr{i}" for i in range(8)]


def catalogue():
    items = []
    for i, item_id in enumerate(SCI_FI):
        items.append({"item_id": item_id, "title": f"Star Voyage {i}", "content_type": "movie",
                      "plot": "A crew of astronauts travels through a wormhole to save humanity from a dying Earth.",
                      "genres": ["Sci-Fi", "Adventure"], "languages": ["en"], "cast": [f"Actor {i % 3}"],
                      "crew": ["Director Nova"], "year": 2000 + i, "rating": 7.5, "rating_count": 1000 + i,
                      "regions": ["US", "FR"], "duration_minutes": 130})
    for i, item_id in enumerate(ANIME):
        items.append({"item_id": item_id, "title": f"Spirit Blade {i}", "content_type": "anime",
                      "plot": "A young swordsman joins a guild of demon hunters in a village of spirits.",
                      "genres": ["Animation", "Fantasy"], "languages": ["ja"], "cast": [f"Seiyu {i % 4}"],
                      "crew": ["Studio Kaze"], "release_date": f"20{10 + i}-04-01", "rating": 8.1,
                      "rating_count": 500 + i, "regions": ["JP", "US"], "episodes": 24})
    for i, item_id in enumerate(DRAMA):
        items.append({"item_id": item_id, "title": f"Family Ties {i}", "content_type": "tv_show",
                      "plot": "Three siblings return to the farm after their father's death and quarrel over it.",
                      "genres": ["Drama"], "languages": ["en", "fr"], "cast": [], "crew": [], "year": 2015,
                      "regions": ["FR"], "episodes": 10})
    return items


def history():
    """Two taste groups: 12 sci-fi fans and 12 anime fans; each watched 8 of their 12 titles."""
    events = []
    for u in range(12):
        for group, ids in (("sf", SCI_FI), ("an", ANIME)):
            user = f"{group}_fan{u}"
            for k in range(8):
                item_id = ids[(u + k) % len(ids)]
                events.append({"event_id": f"{user}-{item_id}", "user_id": user, "item_id": item_id,
                               "type": "complete" if k % 2 else "watch", "completion": 0.95,
                               "timestamp": f"2026-01-{1 + k:02d}T20:00:00Z"})
    return events


def ready(url):
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=2) as resp:
            return resp.status == 200
    except Exception:
        return False


class ServiceProcess:
    """``pnpm start`` in embedded mode on a free loopback port with a temporary data directory."""

    def __init__(self, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = tempfile.mkdtemp(prefix="personalized-e2e-")
        self.log_path = os.path.join(self.data_dir, "service.log")
        self.env = dict(os.environ, PORT=str(self.port), HOST="127.0.0.1",
                        RECSYS_DATA_DIR=os.path.join(self.data_dir, "data"), RECSYS_DEMO="0", LOG_LEVEL="warn",
                        **env)
        self.proc = None

    def start(self):
        with open(self.log_path, "wb") as log:
            # A new session makes the service the leader of its own process group (pnpm, node).
            self.proc = subprocess.Popen(["pnpm", "start"], cwd=REPO_ROOT, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            if ready(self.url):
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(1.0)
        reason = (f"exited with {self.proc.returncode}" if self.proc.poll() is not None
                  else f"no 200 from /readyz within {READY_WITHIN:g}s")
        tail = self.log_tail()
        self.stop()
        raise RuntimeError(f"service did not start: {reason}\n--- service log ---\n{tail}")

    def log_tail(self, chars=4000):
        if not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as fh:
            return fh.read().decode("utf-8", "replace")[-chars:]

    def stop(self):
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
            except ProcessLookupError:
                pass
            # Children that outlived the leader (the group id is the leader's pid).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        keep = os.environ.get("PERSONALIZED_E2E_KEEP_LOG")
        if keep and os.path.exists(self.log_path):
            shutil.copyfile(self.log_path, keep)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def require_service():
    if not os.path.exists(ENTRY_POINT):
        raise unittest.SkipTest(f"the service is not in this checkout ({os.path.relpath(ENTRY_POINT, REPO_ROOT)} missing)")
    if shutil.which("pnpm") is None:
        raise unittest.SkipTest("pnpm is not installed")


class EndToEndTests(unittest.TestCase):
    service = None

    @classmethod
    def setUpClass(cls):
        external = os.environ.get("PERSONALIZED_E2E_URL")
        if external:
            url = external.rstrip("/")
        else:
            require_service()
            cls.service = ServiceProcess().start()
            url = cls.service.url
        cls.client = p.PersonalizedService(url, connect_timeout=2, read_timeout=30, max_retries=2, backoff_base=0.1)

    @classmethod
    def tearDownClass(cls):
        if cls.service is not None:
            cls.service.stop()

    # ---- the walkthrough, in order ---------------------------------------------------------

    def test_01_health(self):
        health = self.client.health()
        self.assertTrue(health.live, health)
        self.assertTrue(health.ready, health)

    def test_02_upsert_and_read_items(self):
        result = self.client.upsert_items(catalogue())
        self.assertEqual((result.upserted, result.batches), (len(catalogue()), 1))
        item = self.client.get_item("sf3")
        self.assertEqual((item.item_id, item.title, item.content_type), ("sf3", "Star Voyage 3", "movie"))
        self.assertEqual(item.genres, ["Sci-Fi", "Adventure"])
        self.assertIs(item.available, True)
        self.assertTrue(item.updated_at)
        with self.assertRaises(p.NotFoundError) as ctx:
            self.client.get_item("no-such-item")
        self.assertEqual(ctx.exception.status, 404)
        self.assertTrue(ctx.exception.code)
        self.assertTrue(ctx.exception.request_id)

    def test_03_invalid_item_is_a_400_naming_the_field(self):
        with self.assertRaises(p.BadRequestError) as ctx:
            self.client.upsert_items([{"item_id": "bad", "title": "Bad", "content_type": "podcast"}])
        err = ctx.exception
        self.assertEqual(err.status, 400)
        self.assertIn("content_type", f"{err.message} {err.details}")
        with self.assertRaises(p.NotFoundError):
            self.client.get_item("bad")  # nothing of a rejected batch is stored

    def test_04_preferences(self):
        prefs = self.client.set_preferences("newbie", genres=["Sci-Fi"], languages=["en"], content_types=["movie"],
                                            liked_item_ids=["sf0"], age_bucket="25-34", country="FR",
                                            friends=["sf_fan0"])
        self.assertEqual((prefs.user_id, prefs.genres, prefs.liked_item_ids, prefs.country),
                         ("newbie", ["Sci-Fi"], ["sf0"], "FR"))
        self.assertTrue(prefs.updated_at)

    def test_05_events_are_idempotent(self):
        events = history()
        ack = self.client.track_events(events)
        self.assertEqual((ack.accepted, ack.duplicates), (len(events), 0))
        again = self.client.track_events(events[:10])
        self.assertEqual((again.accepted, again.duplicates), (0, 10))
        one = self.client.track_event("sf_fan0", "click", "sf11", device="tv", session_id="s1")
        self.assertEqual((one.accepted, one.duplicates), (1, 0))
        self.assertEqual(len(one.event_ids), 1)
        search = self.client.track_event("an_fan0", "search", query="demon hunter", result_item_ids=["an1", "an2"],
                                         clicked_item_ids=["an2"])
        self.assertEqual(search.accepted, 1)

    def test_06_invalid_event_is_rejected(self):
        with self.assertRaises(p.BadRequestError) as ctx:
            self.client.track_event("u1", "teleport", "sf1")
        self.assertEqual(ctx.exception.status, 400)
        self.assertIn("type", f"{ctx.exception.message} {ctx.exception.details}")

    def test_07_recommendations_before_training(self):
        recs = self.client.get_recommendations("sf_fan1", limit=5)
        self.assertLessEqual(len(recs.items), 5)
        self.assertEqual(recs.user_id, "sf_fan1")

    def test_08_retrain_and_wait(self):
        job = self.client.retrain("full")
        self.assertTrue(job.job_id)
        self.assertIn(job.state, ("queued", "running", "completed"))
        done = self.client.wait_for_job(job.job_id, timeout=120, poll_interval=0.5)
        self.assertEqual((done.state, done.job_id), ("completed", job.job_id), done)
        self.assertTrue(done.finished_at)
        models = self.client.list_models()
        self.assertTrue(models.active_version)
        self.assertIn(models.active_version, [m.version for m in models.models])
        active = [m for m in models.models if m.version == models.active_version][0]
        self.assertEqual(active.status, "active")
        self.assertTrue(active.components)
        type(self).active_version = models.active_version

    def test_09_recommendations(self):
        recs = self.client.get_recommendations("sf_fan0", limit=6)
        self.assertFalse(recs.degraded)
        self.assertTrue(recs.request_id)
        self.assertTrue(recs.model_version)
        self.assertEqual(recs.user_id, "sf_fan0")
        self.assertGreater(len(recs.items), 0)
        self.assertLessEqual(len(recs.items), 6)
        self.assertEqual([i.rank for i in recs.items], list(range(1, len(recs.items) + 1)))
        watched = {e["item_id"] for e in history() if e["user_id"] == "sf_fan0"}
        self.assertFalse(watched & set(recs.item_ids), "already watched items were recommended")
        for item in recs.items:
            self.assertIn(item.algorithm_source, p.ALGORITHM_SOURCES)
            self.assertTrue(0 <= item.predicted_score <= 1, item)
            low, high = item.confidence_interval
            self.assertLessEqual(low, high)
            self.assertIsInstance(item.explanation_reasons, list)
            self.assertTrue(item.title)

    def test_10_recommendations_are_personalised(self):
        """After training, each taste group's unseen titles lead its lists (no diversity re-ranking)."""
        for user, prefix in (("sf_fan2", "sf"), ("an_fan2", "an")):
            with self.subTest(user=user):
                recs = self.client.get_recommendations(user, limit=3, diversity=0)
                sources = {i.algorithm_source for i in recs.items}
                self.assertGreaterEqual(sum(1 for i in recs.item_ids if i.startswith(prefix)), 2,
                                        f"{recs.item_ids} from {sources}")

    def test_11_recommendation_filters(self):
        recs = self.client.get_recommendations("sf_fan0", limit=5, content_types=["anime"], languages=["ja"],
                                               exclude_item_ids=["an0", "an1"], device="mobile", session_id="s2",
                                               diversity=0.5, explore=False)
        self.assertTrue(recs.items)
        self.assertTrue(all(i.startswith("an") for i in recs.item_ids), recs.item_ids)
        self.assertFalse({"an0", "an1"} & set(recs.item_ids))
        genre = self.client.get_recommendations("newbie", limit=4, genres=["Drama"])
        self.assertTrue(genre.items)
        self.assertTrue(all(i.startswith("dr") for i in genre.item_ids), genre.item_ids)

    def test_12_explore(self):
        for user in ("sf_fan3", "never-seen-explorer"):
            with self.subTest(user=user, method="GET"):
                recs = self.client.get_recommendations(user, limit=10, explore=True)
                self.assertTrue(recs.items)
            with self.subTest(user=user, method="POST"):
                recs = self.client.get_recommendations(user, limit=10, explore=True, context={"device": "tv"})
                self.assertTrue(recs.items)

    def test_13_recommendations_with_context(self):
        recs = self.client.get_recommendations(
            "an_fan3", limit=4, content_types=["anime", "movie"], exclude_item_ids=["an0"], device="tv",
            session_id="s3", diversity=0.2,
            context={"region": "JP", "timezone": "Asia/Tokyo", "timestamp": "2026-01-10T12:00:00Z"},
        )
        self.assertEqual(recs.user_id, "an_fan3")
        self.assertTrue(recs.items)
        self.assertLessEqual(len(recs.items), 4)
        self.assertNotIn("an0", recs.item_ids)
        self.assertTrue(all(i.startswith(("an", "sf")) for i in recs.item_ids), recs.item_ids)

    def test_14_cold_start_user(self):
        recs = self.client.get_recommendations("never-seen-user", limit=3)
        self.assertTrue(recs.items)
        prefs_user = self.client.get_recommendations("newbie", limit=3, diversity=0)
        self.assertTrue(prefs_user.items)
        self.assertNotIn("sf0", prefs_user.item_ids)  # liked at onboarding: already known

    def test_15_similar_items(self):
        for mode in ("collaborative", "hybrid", "story"):
            with self.subTest(mode=mode):
                similar = self.client.get_similar_items("sf2", mode=mode, limit=4)
                self.assertEqual(similar.item_id, "sf2")
                self.assertTrue(similar.items, mode)
                self.assertLessEqual(len(similar.items), 4)
                self.assertNotIn("sf2", similar.item_ids)
                self.assertTrue(all(i.startswith("sf") for i in similar.item_ids), similar.item_ids)
        with self.assertRaises(p.NotFoundError):
            self.client.get_similar_items("no-such-item")

    def test_16_bad_requests(self):
        with self.assertRaises(p.BadRequestError) as ctx:
            self.client.get_recommendations("sf_fan0", limit=0)
        self.assertIn("limit", f"{ctx.exception.message} {ctx.exception.details}")
        with self.assertRaises(p.BadRequestError):
            self.client.get_similar_items("sf2", mode="telepathy")
        with self.assertRaises(p.BadRequestError):
            self.client.retrain("weekly")
        with self.assertRaises(p.BadRequestError):
            self.client.set_preferences("u1", country="France")

    def test_17_models_activate_and_jobs(self):
        version = getattr(type(self), "active_version", None) or self.client.list_models().active_version
        self.assertTrue(version)
        model = self.client.activate_model(version)
        self.assertEqual((model.version, model.status), (version, "active"))
        with self.assertRaises(p.NotFoundError):
            self.client.activate_model("no-such-version")
        with self.assertRaises(p.NotFoundError):
            self.client.get_job("no-such-job")

    def test_18_incremental_retrain(self):
        job = self.client.retrain("incremental")
        done = self.client.wait_for_job(job.job_id, timeout=120, poll_interval=0.5)
        self.assertEqual(done.state, "completed", done)

    def test_19_delete_item(self):
        self.client.delete_item("sf11")
        recs = self.client.get_recommendations("sf_fan1", limit=20)
        self.assertNotIn("sf11", recs.item_ids)
        try:
            self.assertIs(self.client.get_item("sf11").available, False)
        except p.NotFoundError:
            pass
        with self.assertRaises(p.NotFoundError):
            self.client.delete_item("no-such-item")

    def test_20_export_user(self):
        exported = self.client.export_user("sf_fan0")
        self.assertEqual(exported["user_id"], "sf_fan0")
        self.assertIn("sf_fan0-sf0", [e.get("event_id") for e in exported["events"]])
        with self.assertRaises(p.NotFoundError):
            self.client.export_user("nobody-at-all")

    def test_21_delete_user(self):
        stored = len(self.client.export_user("an_fan0")["events"])
        report = self.client.delete_user("an_fan0")
        self.assertEqual((report.user_id, report.events), ("an_fan0", stored))
        self.assertGreater(report.features, 0)
        self.assertEqual(self.client.delete_user("an_fan0").events, 0)  # repeating is harmless
        try:
            after = self.client.export_user("an_fan0")
        except p.NotFoundError:
            after = None
        if after is not None:
            self.assertEqual(after.get("events"), [], after)
        recs = self.client.get_recommendations("an_fan0", limit=3)  # an erased user is a new user
        self.assertEqual(recs.user_id, "an_fan0")

    def test_22_fallback_is_not_used_when_the_service_answers(self):
        recs = self.client.get_recommendations("an_fan1", limit=3, fallback_items=["zzz"])
        self.assertNotIn("zzz", recs.item_ids)
        self.assertFalse(recs.request_id.startswith("fallback-"))


class RateLimitEndToEndTests(unittest.TestCase):
    """The real service's 429 (a per-minute limit) against the client's Retry-After handling."""

    LIMIT = 30

    @classmethod
    def setUpClass(cls):
        require_service()
        cls.service = ServiceProcess(RECSYS_RATE_LIMIT_PER_MINUTE=str(cls.LIMIT)).start()

    @classmethod
    def tearDownClass(cls):
        cls.service.stop()

    def test_429_with_retry_after_then_fallback(self):
        client = p.PersonalizedService(self.service.url, max_retries=2, max_retry_after=5, backoff_base=0.01)
        limited = None
        for _ in range(self.LIMIT + 5):
            try:
                client.list_models()
            except p.RateLimitedError as exc:
                limited = exc
                break
        self.assertIsNotNone(limited, "no 429 after exceeding the limit")
        self.assertEqual((limited.status, limited.code), (429, "RATE_LIMITED"))
        # The minute window leaves far more than max_retry_after: raised at once, hint kept.
        self.assertIsNotNone(limited.retry_after, "429 without a Retry-After header")
        self.assertTrue(5 < limited.retry_after <= 60, limited.retry_after)
        recs = client.get_recommendations("u1", limit=2, fallback_items=["m1", "m2", "m3"])
        self.assertTrue(recs.degraded)
        self.assertEqual(recs.item_ids, ["m1", "m2"])


if __name__ == "__main__":
    unittest.main()
