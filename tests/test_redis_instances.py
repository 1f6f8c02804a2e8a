"""The two Redis instances of `make serve` (bin/redis, ops/redis/*.conf): the cache's has a
memory limit and evicts when full, so it cannot grow into the broker's; the broker's evicts
nothing and keeps its data on disk across a restart.

Each instance is started exactly as bin/serve starts it, on a free port, with its files under
the test's own VAR_DIR (never the shared Redis)."""

import os
import signal
import subprocess
from pathlib import Path

import pytest
import redis

from tests.conftest import require_tool
from tests.processes import free_port, server_env, wait_for

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.process


class Instance:
    def __init__(self, name, var_dir):
        require_tool("redis-server")
        self.name, self.var_dir, self.port = name, var_dir, free_port()
        self.process = None

    def start(self):
        env = server_env(VAR_DIR=str(self.var_dir))
        self.process = subprocess.Popen(
            [str(ROOT / "bin" / "redis"), self.name, str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(self._answers, f"the {self.name} instance to start", timeout=15)
        return self

    def _answers(self):
        assert self.process.poll() is None, f"bin/redis {self.name} exited"
        try:
            return self.client.ping()
        except redis.RedisError:
            return False

    def config(self, name):
        return self.client.config_get(name)[name]

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)


@pytest.fixture
def instances(tmp_path):
    started = []

    def start(name):
        instance = Instance(name, tmp_path / "var").start()
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


def test_the_cache_instance_has_a_memory_limit_and_evicts(instances, tmp_path):
    cache = instances("cache")
    limit = int(cache.config("maxmemory"))
    assert 0 < limit <= 1024**3
    assert cache.config("maxmemory-policy") == "allkeys-lru"
    assert cache.config("appendonly") == "no"
    assert cache.config("save") == ""
    assert cache.config("dir") == str(tmp_path / "var" / "redis" / "cache")
    # Filled with twice its limit of page-sized entries: every write succeeds, and it stays
    # within its limit by dropping the least recently used ones.
    page = os.urandom(40 * 1024)
    count = 2 * limit // len(page)
    pipe = cache.client.pipeline(transaction=False)
    for i in range(count):
        pipe.set(f"ogptracker:1:page:{i}", page, ex=86400)
        if i % 200 == 199:
            pipe.execute()
    pipe.execute()
    info = cache.client.info()
    assert info["evicted_keys"] > 0
    assert info["used_memory"] <= limit * 1.05
    assert cache.client.dbsize() < count
    assert cache.client.exists(f"ogptracker:1:page:{count - 1}")


def test_the_broker_instance_evicts_nothing_and_keeps_its_data(instances, tmp_path):
    broker = instances("broker")
    assert broker.config("maxmemory-policy") == "noeviction"
    assert broker.config("appendonly") == "yes"
    assert broker.config("appendfsync") == "everysec"
    folder = tmp_path / "var" / "redis" / "broker"
    assert broker.config("dir") == str(folder)
    broker.client.lpush("celery", "a task message")
    broker.stop()
    assert any((folder / "appendonlydir").iterdir())
    # Started again on its folder, it has its queue back.
    again = instances("broker")
    assert again.port != broker.port
    assert again.client.lrange("celery", 0, -1) == [b"a task message"]


def test_a_full_cache_leaves_the_broker_alone(instances):
    cache, broker = instances("cache"), instances("broker")
    broker.client.lpush("celery", "queued")
    cache.client.config_set("maxmemory", "4mb")  # a small limit fills fast
    for i in range(400):
        cache.client.set(f"ogptracker:1:page:{i}", os.urandom(40 * 1024))
    assert cache.client.info()["evicted_keys"] > 0
    assert broker.client.lrange("celery", 0, -1) == [b"queued"]
    assert broker.client.info()["evicted_keys"] == 0
