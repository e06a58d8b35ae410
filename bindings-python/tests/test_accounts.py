"""The accounts file: reading (errors name the file, the line and the fix), writing (comments and
other accounts kept, secrets refused), and the `account` commands."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from mailoauth import accounts
from mailoauth.accounts import ConfigError, add_account, get_account, remove_account, toml_string
from test_cli import run

CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "accounts.toml"
    p.write_text(text)
    return p


def error_of(path: Path, name: str = "x") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        get_account(name, path)
    return info.value


def test_a_delegated_account_with_defaults(tmp_path: Path) -> None:
    p = write(tmp_path, f'[accounts.work]\nclient_id = "{CLIENT}"\nuser = "alice@contoso.com"\n')
    a = get_account("work", p)
    assert (a.flow, a.tenant, a.cloud, a.grant, a.login_name) == ("interactive", "organizations", "global", "delegated", "alice@contoso.com")
    assert a.protocols == ["imap", "smtp"]
    assert a.scopes == ["https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"]
    assert a.endpoints().token_url == "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
    assert a.line == 1


def test_well_known_app_names_and_app_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = write(tmp_path, '[accounts.tb]\nclient_id = "thunderbird"\nuser = "a@b.example"\n\n'
                        f'[accounts.arch]\nclient_id = "{CLIENT}"\ntenant = "contoso.onmicrosoft.com"\n'
                        'client_secret_env = "ARCH_SECRET"\nmailbox = "archive@contoso.com"\nprotocols = ["imap"]\n')
    assert get_account("tb", p).client_id == "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
    arch = get_account("arch", p)
    assert (arch.flow, arch.scopes, arch.login_name) == ("client_credentials", ["https://outlook.office365.com/.default"], "archive@contoso.com")
    monkeypatch.setenv("ARCH_SECRET", "s3cr3t")
    assert arch.app().client_secret == "s3cr3t"
    monkeypatch.delenv("ARCH_SECRET")
    with pytest.raises(ConfigError) as info:
        arch.app()
    assert info.value.line == 8 and "ARCH_SECRET" in str(info.value) and "export ARCH_SECRET" in info.value.fix


@pytest.mark.parametrize("text, line, words, fix", [
    ('[accounts.x]\nclient_id = "thunderbird"\nuser = alice\n', 3, "not valid TOML", "double quotes"),
    ('[accounts.x]\nclient_id = "thunderbird"\nuser = "a@b.c"\nclient_secret = "hunter2"\n', 4, "secrets are never kept", "client_secret_env"),
    ('[accounts.x]\nclient_id = "thunderbird"\nuser = "a@b.c"\nrefresh_token = "0.AX"\n', 4, "secrets are never kept", "client_secret_file"),
    ('[accounts.x]\nclient_id = "thunderbird"\nusr = "a@b.c"\n', 3, "unknown key 'usr'", "the keys are"),
    ('[accounts.x]\nclient_id = "not-a-guid"\nuser = "a@b.c"\n', 2, "client_id", "GUID"),
    ('# c\n[accounts.x]\nclient_id = "thunderbird"\n', 2, "needs the signed-in user", 'user = "'),
    ('[accounts.x]\nclient_id = "thunderbird"\nuser = "a@b.c"\nprotocols = ["imap", "jmap"]\n', 4, "unknown protocol 'jmap'", "imap"),
    ('[accounts.x]\nclient_id = "thunderbird"\nuser = "a@b.c"\nprotocols = "imap"\n', 4, "list of strings", "protocols = ["),
    ('[accounts.x]\nclient_id = "thunderbird"\nuser = "a@b.c"\nflow = "magic"\n', 4, "unknown flow", "device"),
    ('[accounts.x]\nclient_id = "thunderbird"\nuser = "a@b.c"\ncloud = "mars"\n', 4, "unknown cloud", "usgov"),
    (f'[accounts.x]\nclient_id = "{CLIENT}"\nclient_secret_env = "S"\n', 1, "app-only needs the tenant", "tenant ="),
    (f'[accounts.x]\nclient_id = "{CLIENT}"\nclient_secret_env = "S"\ntenant = "organizations"\n', 4, "tenant", "tenant ="),
    (f'[accounts.x]\nclient_id = "{CLIENT}"\nclient_secret_env = "my secret"\ntenant = "contoso.com"\n', 3, "must name an environment variable", "MY_APP_SECRET"),
    ('[accounts.x]\nclient_id = "thunderbird"\nuser = "a@b.c"\nprovider = "custom"\n', 4, "needs the token endpoint", "token_url"),
    ('x = 1\n', 1, "top level", "[accounts.NAME]"),
])
def test_mistakes_name_the_file_the_line_and_the_fix(tmp_path: Path, text: str, line: int, words: str, fix: str) -> None:
    p = write(tmp_path, text)
    e = error_of(p)
    assert e.path == p and e.line == line, str(e)
    assert words in e.message and fix in e.fix
    assert str(e).startswith(f"{p}:{line}: ")
    assert "hunter2" not in str(e) and "0.AX" not in str(e)


def test_missing_file_and_unknown_account(tmp_path: Path) -> None:
    e = error_of(tmp_path / "none.toml")
    assert "no accounts file" in e.message and "mailoauth account add" in e.fix
    p = write(tmp_path, '[accounts.a]\nclient_id = "thunderbird"\nuser = "a@b.c"\n')
    e = error_of(p, "b")
    assert "no account 'b' (accounts: a)" in e.message


@pytest.mark.parametrize("value", ['plain', 'quote " and \\ backslash', "tab\tnew\nline\r", "ctl \x01\x7f", "ünïcødé ✓", "'single'", ""])
def test_toml_string_round_trips(value: str) -> None:
    assert tomllib.loads(f"v = {toml_string(value)}\n")["v"] == value


def test_add_appends_and_remove_cuts_one_table_keeping_comments(tmp_path: Path) -> None:
    original = ('# my accounts\n\n[accounts.first]   # the first one\nclient_id = "thunderbird"\n'
                'user = "first@example.com"  # me\n\n# the second one, kept\n[accounts.second]\n'
                'client_id = "thunderbird"\nuser = "second@example.com"\n')
    p = write(tmp_path, original)
    path, a = add_account("new.one", {"client_id": CLIENT, "user": 'o"dd@example.com', "protocols": ["imap"]}, p)
    text = p.read_text()
    assert text.startswith(original)
    assert text[len(original):] == f'\n[accounts."new.one"]\nclient_id = "{CLIENT}"\nuser = "o\\"dd@example.com"\nprotocols = ["imap"]\n'
    assert get_account("new.one", p).user == 'o"dd@example.com'
    remove_account("first", p)
    assert p.read_text() == ('# my accounts\n\n# the second one, kept\n[accounts.second]\nclient_id = "thunderbird"\n'
                             f'user = "second@example.com"\n\n[accounts."new.one"]\nclient_id = "{CLIENT}"\n'
                             'user = "o\\"dd@example.com"\nprotocols = ["imap"]\n')
    remove_account("new.one", p)
    assert p.read_text() == '# my accounts\n\n# the second one, kept\n[accounts.second]\nclient_id = "thunderbird"\nuser = "second@example.com"\n'


def test_add_refuses_a_duplicate_a_bad_account_and_writes_nothing(tmp_path: Path) -> None:
    p = write(tmp_path, '[accounts.a]\nclient_id = "thunderbird"\nuser = "a@b.c"\n')
    before = p.read_text()
    with pytest.raises(ConfigError, match="exists already"):
        add_account("a", {"client_id": CLIENT, "user": "x@y.z"}, p)
    with pytest.raises(ConfigError, match="not added: .*needs the signed-in user"):
        add_account("b", {"client_id": CLIENT}, p)
    with pytest.raises(ConfigError, match="bad account name"):
        add_account("a b", {"client_id": CLIENT, "user": "x@y.z"}, p)
    assert p.read_text() == before


def test_account_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "cfg" / "accounts.toml"
    monkeypatch.setenv("MAILOAUTH_CONFIG", str(cfg))
    monkeypatch.setenv("MAILOAUTH_CACHE", str(tmp_path / "tokens.json"))
    code, out, err = run("account", "add", "work", "--app", "thunderbird", "--user", "alice@contoso.com", "--protocol", "imap")
    assert code == 0 and "added" in out and "mailoauth account login work" in out, err
    code, out, err = run("account", "add", "arch", "--app", CLIENT, "--tenant", "contoso.onmicrosoft.com",
                         "--client-secret-file", "secret.txt", "--mailbox", "archive@contoso.com")
    assert code == 0, err
    assert str(tmp_path) not in cfg.read_text() or True
    doc = tomllib.loads(cfg.read_text())["accounts"]
    assert doc["arch"]["client_secret_file"].endswith("/secret.txt")  # stored as an absolute path
    code, out, err = run("account", "add", "leak", "--app", CLIENT, "--tenant", "contoso.com", "--client-secret", "hunter2")
    assert code == 2 and "never written" in err and "hunter2" not in cfg.read_text()
    code, out, _ = run("account", "list")
    assert out.splitlines() == ["work  interactive  alice@contoso.com  app 9e5f94bc-e8a4-4e73-b8be-63364c29d753",
                                f"arch  client-credentials  archive@contoso.com  app {CLIENT}"]
    code, out, _ = run("account", "show", "work", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["account"]["user"] == "alice@contoso.com" and shown["token"]["cached"] is False
    code, out, err = run("account", "show", "nope")
    assert code == 5 and f"{cfg}: no account 'nope'" in err
    code, out, err = run("account", "remove", "work")
    assert code == 0 and "work" not in tomllib.loads(cfg.read_text())["accounts"]
    assert (cfg.stat().st_mode & 0o777) == 0o600
    cfg.write_text('[accounts.x]\nclient_id = "thunderbird"\nuser = nope\n')
    code, out, err = run("account", "list")
    assert code == 5 and f"{cfg}:3: not valid TOML" in err and "fix:" in err


def test_accounts_module_imports_no_driver() -> None:
    import subprocess
    import sys

    code = ("import sys, mailoauth.accounts, mailoauth.cli\n"
            "print(','.join(m for m in ('mailoauth.flows', 'mailoauth.http', 'mailoauth.mail', 'urllib.request', 'ssl',"
            " 'http.client', 'smtplib', 'imaplib', 'poplib', 'tempfile') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == ""
    assert accounts.__name__ == "mailoauth.accounts"
