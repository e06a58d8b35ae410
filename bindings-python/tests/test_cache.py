"""The token cache file: permissions, atomic writes, refresh-token rotation, corrupt files."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

import mailoauth
from mailoauth.cache import TokenCache, cache_key, default_cache_path

KEY = cache_key(client_id="AAAA", token_url="https://login/t", scopes=["b", "a", "a"], user="Alice@X")


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_key_is_normalised() -> None:
    assert KEY == cache_key(client_id="aaaa", token_url="https://login/t", scopes=["a", "b"], user="alice@x")
    assert KEY != cache_key(client_id="aaaa", token_url="https://login/t", scopes=["a"], user="alice@x")


def test_default_path_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAILOAUTH_CACHE", str(tmp_path / "c.json"))
    assert default_cache_path() == tmp_path / "c.json"
    monkeypatch.delenv("MAILOAUTH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "mailoauth" / "tokens.json"


def test_file_and_directory_modes(tmp_path: Path) -> None:
    os.umask(0o022)
    c = TokenCache(tmp_path / "sub" / "tokens.json")
    assert c.get(KEY) is None  # no file yet: empty, nothing created
    assert not c.path.exists()
    c.put(KEY, {"access_token": "at", "refresh_token": "rt1"}, client_id="aaaa")
    assert mode(c.path) == 0o600
    assert mode(c.path.parent) == 0o700
    entry = c.get(KEY)
    assert entry is not None and entry["tokens"]["refresh_token"] == "rt1" and entry["client_id"] == "aaaa"
    assert json.loads(c.get_tokens_json(KEY) or "") == {"access_token": "at", "refresh_token": "rt1"}
    assert "at" not in repr(c)


def test_loosened_permissions_are_tightened(tmp_path: Path) -> None:
    c = TokenCache(tmp_path / "tokens.json")
    c.put(KEY, {"access_token": "at"})
    os.chmod(c.path, 0o644)
    c.entries()
    assert mode(c.path) == 0o600


def test_rotation_replaces_the_refresh_token(tmp_path: Path) -> None:
    c = TokenCache(tmp_path / "tokens.json")
    c.put(KEY, {"access_token": "at1", "refresh_token": "rt1"})
    c.put(KEY, {"access_token": "at2", "refresh_token": "rt2"})
    entry = c.get(KEY)
    assert entry is not None and entry["tokens"] == {"access_token": "at2", "refresh_token": "rt2"}
    assert "rt1" not in c.path.read_text()


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = TokenCache(tmp_path / "tokens.json")
    c.put(KEY, {"access_token": "at1", "refresh_token": "rt1"})
    before = c.path.read_bytes()

    def boom(*a: object, **k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError) as info:
        c.put(KEY, {"access_token": "at2", "refresh_token": "rt2"})
    assert info.value.errno == 28  # the failed fsync's, not another OSError on the way
    monkeypatch.undo()
    assert c.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json", "tokens.json.lock"]


def test_corrupt_file_is_never_overwritten(tmp_path: Path) -> None:
    c = TokenCache(tmp_path / "tokens.json")
    c.path.write_text('{"entries": {"k": {"tokens": {"refresh_token": "only-copy"')
    with pytest.raises(mailoauth.InvalidInputError) as info:
        c.put(KEY, {"access_token": "x"})
    assert info.value.code == "invalid_input" and "not valid JSON" in str(info.value)
    assert "only-copy" in c.path.read_text()
    c.path.write_text("[1, 2]")
    with pytest.raises(mailoauth.InvalidInputError):
        c.get(KEY)


def test_delete(tmp_path: Path) -> None:
    c = TokenCache(tmp_path / "tokens.json")
    c.put(KEY, {"access_token": "x"})
    c.put("other", {"access_token": "y"})
    assert c.delete(KEY) is True and c.delete(KEY) is False
    assert list(c.entries()) == ["other"]


def test_concurrent_writers_keep_every_entry(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"

    def writer(i: int) -> None:
        TokenCache(path).put(f"k{i}", {"access_token": f"t{i}"})

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(TokenCache(path).entries()) == sorted(f"k{i}" for i in range(8))


def test_temporaries_of_a_killed_writer_are_removed_by_the_next_write(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens.json")
    cache.put("k", {"access_token": "a", "token_type": "Bearer"})
    stale = tmp_path / ".tokens.json.abc123.tmp"  # what a writer killed before os.replace leaves
    stale.write_text('{"half": ')
    other = tmp_path / ".other.json.abc123.tmp"  # another cache's: not ours to remove
    other.write_text("{}")
    cache.put("k", {"access_token": "b", "token_type": "Bearer"})
    assert not stale.exists() and other.exists()
    assert cache.get("k")["tokens"]["access_token"] == "b"  # type: ignore[index]
