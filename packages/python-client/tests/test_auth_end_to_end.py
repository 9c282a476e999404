"""API keys end to end: the client sends its key (argument or ``PERSONALIZED_API_KEY``) to the real
service started with keys and scopes, and maps 401 and 403 to ``AuthenticationError``."""

import os
import unittest
from unittest import mock

from support import personalized as p
from test_end_to_end import ServiceProcess, require_service

BACKEND_KEY = "backend-key-for-the-python-tests"
ADMIN_KEY = "admin-key-for-the-python-tests"


class ApiKeyTests(unittest.TestCase):
    service = None

    @classmethod
    def setUpClass(cls):
        if os.environ.get("PERSONALIZED_E2E_URL"):
            raise unittest.SkipTest("needs a service started with known keys")
        require_service()
        cls.service = ServiceProcess(RECSYS_API_KEYS=f"backend:read+write:{BACKEND_KEY},ops:admin:{ADMIN_KEY}").start()

    @classmethod
    def tearDownClass(cls):
        if cls.service is not None:
            cls.service.stop()

    def client(self, api_key=None):
        return p.PersonalizedService(self.service.url, api_key, max_retries=0, read_timeout=30)

    def test_key_from_the_environment_reads_and_writes(self):
        with mock.patch.dict(os.environ, {"PERSONALIZED_API_KEY": BACKEND_KEY}):
            client = p.PersonalizedService(self.service.url, max_retries=0, read_timeout=30)
        client.upsert_items([{"item_id": "k1", "title": "Keyed", "content_type": "movie", "genres": ["Drama"]}])
        self.assertEqual(client.track_event("alice", "click", "k1").accepted, 1)
        self.assertEqual(client.get_item("k1").title, "Keyed")
        self.assertIsInstance(client.get_recommendations("alice", limit=3), p.Recommendations)

    def test_no_key_is_401(self):
        with mock.patch.dict(os.environ, {}, clear=True):
            client = p.PersonalizedService(self.service.url, max_retries=0)
        with self.assertRaises(p.AuthenticationError) as caught:
            client.get_recommendations("alice")
        self.assertEqual((caught.exception.status, caught.exception.code), (401, "UNAUTHORIZED"))
        # Health probes stay open.
        self.assertTrue(client.health().live)

    def test_wrong_key_is_401(self):
        with self.assertRaises(p.AuthenticationError) as caught:
            self.client("not-the-right-key-at-all").get_recommendations("alice")
        self.assertEqual(caught.exception.status, 401)

    def test_missing_scope_is_403_naming_it(self):
        with self.assertRaises(p.AuthenticationError) as caught:
            self.client(BACKEND_KEY).list_models()
        self.assertEqual((caught.exception.status, caught.exception.code), (403, "FORBIDDEN"))
        self.assertEqual(caught.exception.details["required_scope"], "admin")
        self.assertIsInstance(self.client(ADMIN_KEY).list_models(), p.ModelList)


if __name__ == "__main__":
    unittest.main()
