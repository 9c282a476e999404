"""The README walkthrough against a running service.

    python3 examples/walkthrough.py [BASE_URL]

BASE_URL defaults to PERSONALIZED_BASE_URL, then http://127.0.0.1:8080. It writes a small
catalogue (ids prefixed "walk-") and events for two users, retrains, and prints recommendations
and similar items. Running it twice is harmless: items are upserted and events carry fixed ids.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from backend.services import personalized  # noqa: E402

ITEMS = [
    {"item_id": "walk-interstellar", "title": "Interstellar", "content_type": "movie", "year": 2014,
     "genres": ["Sci-Fi", "Drama"], "languages": ["en"], "cast": ["Matthew McConaughey"],
     "crew": ["Christopher Nolan"], "regions": ["US"],
     "plot": "Explorers travel through a wormhole near Saturn to find a new home for humanity."},
    {"item_id": "walk-inception", "title": "Inception", "content_type": "movie", "year": 2010,
     "genres": ["Sci-Fi", "Thriller"], "languages": ["en"], "cast": ["Leonardo DiCaprio"],
     "crew": ["Christopher Nolan"], "regions": ["US"],
     "plot": "A thief who steals secrets through dream-sharing is asked to plant an idea instead."},
    {"item_id": "walk-arrival", "title": "Arrival", "content_type": "movie", "year": 2016,
     "genres": ["Sci-Fi", "Drama"], "languages": ["en"], "cast": ["Amy Adams"], "crew": ["Denis Villeneuve"],
     "regions": ["US"], "plot": "A linguist learns the language of aliens whose ships hover over Earth."},
    {"item_id": "walk-the-expanse", "title": "The Expanse", "content_type": "series", "episodes": 62,
     "genres": ["Sci-Fi"], "languages": ["en"], "cast": ["Steven Strait"], "crew": [], "regions": ["US"],
     "plot": "A detective and a ship's officer uncover a conspiracy that threatens the solar system."},
    {"item_id": "walk-spirited-away", "title": "Spirited Away", "content_type": "anime", "year": 2001,
     "genres": ["Animation", "Fantasy"], "languages": ["ja"], "cast": ["Rumi Hiiragi"],
     "crew": ["Hayao Miyazaki"], "regions": ["JP"],
     "plot": "A girl trapped in a world of spirits works in a bathhouse to free her parents."},
    {"item_id": "walk-mononoke", "title": "Princess Mononoke", "content_type": "anime", "year": 1997,
     "genres": ["Animation", "Fantasy"], "languages": ["ja"], "cast": ["Yoji Matsuda"],
     "crew": ["Hayao Miyazaki"], "regions": ["JP"],
     "plot": "A cursed prince is caught in a war between forest spirits and an iron-mining town."},
    {"item_id": "walk-your-name", "title": "Your Name", "content_type": "anime", "year": 2016,
     "genres": ["Animation", "Romance"], "languages": ["ja"], "cast": ["Ryunosuke Kamiki"],
     "crew": ["Makoto Shinkai"], "regions": ["JP"],
     "plot": "Two teenagers who have never met discover they are swapping bodies in their sleep."},
    {"item_id": "walk-the-crown", "title": "The Crown", "content_type": "tv_show", "episodes": 60,
     "genres": ["Drama", "History"], "languages": ["en"], "cast": ["Claire Foy"], "crew": [], "regions": ["GB"],
     "plot": "The reign of Queen Elizabeth II from her wedding to the early twenty-first century."},
]


def main() -> None:
    base_url = sys.argv[1] if len(sys.argv) > 1 else None
    service = personalized.configure(base_url=base_url, read_timeout=30)
    print(f"service: {service.base_url}")
    health = personalized.health()
    print(f"live={health.live} ready={health.ready}")

    # 1. The catalogue.
    print("upserted", personalized.upsert_items(ITEMS).upserted, "items")

    # 2. Onboarding answers and what two users watched. Fixed event ids make re-runs duplicates.
    personalized.set_preferences("walk-alice", genres=["Sci-Fi"], languages=["en"], content_types=["movie", "series"])
    events = []
    for user, watched in (("walk-alice", ["walk-interstellar", "walk-arrival"]),
                          ("walk-bob", ["walk-interstellar", "walk-inception", "walk-spirited-away"]),
                          ("walk-carol", ["walk-spirited-away", "walk-mononoke", "walk-your-name"])):
        for item_id in watched:
            events.append({"event_id": f"{user}:{item_id}", "user_id": user, "item_id": item_id,
                           "type": "complete", "completion": 1.0})
    events.append({"event_id": "walk-alice:rate:inception", "user_id": "walk-alice", "item_id": "walk-inception",
                   "type": "rate", "rating": 4.5})
    ack = personalized.track_events(events)
    print(f"events: {ack.accepted} accepted, {ack.duplicates} duplicates")

    # 3. Retrain and wait for the new model.
    job = personalized.retrain("full")
    job = personalized.wait_for_job(job.job_id, timeout=300)
    models = personalized.list_models()
    print(f"job {job.job_id}: {job.state}; serving model {models.active_version}")

    # 4. Recommendations: plain, filtered, and with request context.
    recs = personalized.get_recommendations("walk-alice", limit=5)
    print(f"\nfor walk-alice (model {recs.model_version}, variant {recs.variant}, degraded={recs.degraded}):")
    for item in recs.items:
        print(f"  {item.rank}. {item.title or item.item_id}  score={item.predicted_score}  "
              f"via {item.algorithm_source}  {'; '.join(item.explanation_reasons)}")

    anime = personalized.get_recommendations("walk-bob", limit=3, content_types=["anime"], languages=["ja"])
    print("anime for walk-bob:", anime.item_ids)

    evening = personalized.get_recommendations(
        "walk-carol", limit=3, device="tv", session_id="walk-session-1",
        context={"region": "JP", "timezone": "Asia/Tokyo"}, diversity=0.3,
    )
    print("on the TV for walk-carol:", evening.item_ids)

    # 5. Feedback tied to the list that showed the item.
    if recs.items:
        personalized.track_event("walk-alice", "click", recs.items[0].item_id, recommendation_id=recs.request_id)

    # 6. Similar items.
    for mode in ("story", "collaborative", "hybrid"):
        try:
            similar = personalized.get_similar_items("walk-interstellar", mode=mode, limit=3)
            print(f"like Interstellar ({mode}):", similar.item_ids)
        except personalized.BadRequestError as exc:  # a service that does not offer this mode
            print(f"like Interstellar ({mode}): refused: {exc.message}")


if __name__ == "__main__":
    try:
        main()
    except personalized.PersonalizedError as exc:
        sys.exit(f"walkthrough failed: {exc}")
