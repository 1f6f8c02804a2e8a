"""The load of bench/load.py: citizens and journalists read public pages and download open
data while officials post status updates and civil-society staff upload evidence, through the
same panel forms people use (sign-in, CSRF, optimistic version).

Each simulated contributor works on its own milestones (no two edit the same one), so a 409
would be a real conflict, counted as an error. Every write that succeeded is appended to
LOAD_RECORD (JSON lines) for bench/load.py to find in the database afterwards.
"""

import collections
import hashlib
import itertools
import json
import os
import random
import re
import uuid

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())  # noqa: SIM115
RECORD = open(os.environ["LOAD_RECORD"], "a", buffering=1)  # noqa: SIM115
# Of every cacheable page read: its X-Page-Cache (hit or miss), by whether its state is one
# people write to during the run ("written"), not ("unwritten"), or the page shows every
# state ("national"), and by request name.
CACHE = collections.defaultdict(collections.Counter)
WRITTEN = set(PLAN["writable_states"]) | set(PLAN.get("writable_commitments", ()))
PASSWORD = PLAN["password"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="status-version" value="(\d+)"')
_slots = {"officials": itertools.count(), "cso": itertools.count()}


def record(**fields):
    RECORD.write(json.dumps(fields) + "\n")


def pdf(marker):
    """A small, valid-looking PDF whose bytes (and SHA-256) are unique to this upload."""
    return (
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
        + f"% {marker}\n".encode()
        + os.urandom(2048).hex().encode()
        + b"\ntrailer << >>\n%%EOF\n"
    )


class Citizen(HttpUser):
    """Anonymous reading: the pages and files journalists and citizens use."""

    weight = 8
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.rng = random.Random()

    @task(4)
    def state_page(self):
        slug = self.rng.choice(PLAN["states"])
        self.client.get(f"/estados/{slug}/", name="/estados/[state]/")

    @task(2)
    def state_page_filtered(self):
        slug = self.rng.choice(PLAN["states"])
        self.client.get(
            f"/estados/{slug}/?alerta=on&q=transparencia",
            name="/estados/[state]/?filters",
        )

    @task(4)
    def commitment(self):
        ogp_id = self.rng.choice(PLAN["commitments"])
        self.client.get(f"/compromisos/{ogp_id}/", name="/compromisos/[id]/")

    @task(2)
    def home(self):
        self.client.get("/", name="/")

    @task(2)
    def semaforo(self):
        self.client.get("/semaforo/", name="/semaforo/")

    @task(1)
    def english(self):
        self.client.get("/en/semaforo/", name="/en/semaforo/")

    @task(2)
    def api(self):
        slug = self.rng.choice(PLAN["states"])
        self.client.get(f"/api/v1/milestones/?state={slug}", name="/api/v1/milestones/?state")

    @task(1)
    def csv(self):
        slug = self.rng.choice(PLAN["writable_states"])
        self.client.get(f"/datos/{slug}/hitos.csv", name="/datos/[state]/hitos.csv")


class Contributor(HttpUser):
    abstract = True
    role = None
    wait_time = between(1, 3)

    def on_start(self):
        slot = next(_slots[self.role])
        people = PLAN[self.role]
        self.person = people[slot % len(people)]
        # This user's own milestones: of its state's, officials take the even ones and civil
        # society the odd ones. Several people of a role may work in the same state, and
        # several users sign in as each of them: user (round r, the k-th of the m people of
        # its role in that state) takes every (rounds x m)-th milestone from r x m + k, so no
        # two users ever share one.
        slug = self.person["state"]
        here = [i for i, p in enumerate(people) if p["state"] == slug]
        k, m = here.index(slot % len(people)), len(here)
        state = PLAN["milestones"][slug]
        ours = state[PLAN["parity"][self.role] :: 2]
        rounds = PLAN["users_per_person"]
        self.milestones = ours[(slot // len(people)) * m + k :: rounds * m]
        if not self.milestones:
            raise RuntimeError("more simulated contributors than milestones to share")
        self.rng = random.Random(slot)
        page = self.client.get("/cuenta/entrar/", name="/cuenta/entrar/")
        response = self.client.post(
            "/cuenta/entrar/",
            {
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
                "username": self.person["username"],
                "password": PASSWORD,
            },
            name="/cuenta/entrar/ (POST)",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"sign-in failed for {self.person['username']}")

    def milestone_page(self):
        pk = self.rng.choice(self.milestones)
        page = self.client.get(f"/panel/hitos/{pk}/", name="/panel/hitos/[pk]/")
        return pk, page


class Official(Contributor):
    role = "officials"
    weight = 1

    @task
    def report_status(self):
        pk, page = self.milestone_page()
        note = f"Avance de carga {uuid.uuid4().hex}"
        progress = self.rng.randint(1, 99)
        with self.client.post(
            f"/panel/hitos/{pk}/estatus/",
            {
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
                "status-version": VERSION.search(page.text).group(1),
                "status-status": "in_progress",
                "status-progress": progress,
                "status-note": note,
            },
            name="/panel/hitos/[pk]/estatus/ (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                record(kind="status", milestone=pk, note=note, progress=progress)
            else:
                response.failure(f"status update refused: {response.status_code}")


class CivilSociety(Contributor):
    role = "cso"
    weight = 1

    @task
    def upload_evidence(self):
        pk, page = self.milestone_page()
        title = f"Evidencia de carga {uuid.uuid4().hex}"
        content = pdf(title)
        with self.client.post(
            f"/panel/hitos/{pk}/evidencia/",
            data={"csrfmiddlewaretoken": CSRF.search(page.text).group(1), "evidence-title": title},
            files={"evidence-file": ("minuta.pdf", content, "application/pdf")},
            name="/panel/hitos/[pk]/evidencia/ (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                sha256 = hashlib.sha256(content).hexdigest()
                record(kind="evidence", milestone=pk, title=title, sha256=sha256)
            else:
                response.failure(f"evidence refused: {response.status_code}")


@events.request.add_listener
def _count_cache(name, response=None, context=None, **kwargs):
    outcome = response is not None and response.headers.get("X-Page-Cache")
    if not outcome:
        return
    url = response.request.url if response.request is not None else ""
    if "/estados/" not in url and "/compromisos/" not in url:
        group = "national"  # the home page, the semáforo: every write changes them
    elif any(f"/{key}/" in url for key in WRITTEN):
        group = "written"
    else:
        group = "unwritten"
    CACHE[(group, name)][outcome] += 1


@events.quitting.add_listener
def _close(**kwargs):
    RECORD.close()
    with open(os.environ["LOAD_CACHE"], "w") as out:
        json.dump([[*key, dict(counts)] for key, counts in CACHE.items()], out)
