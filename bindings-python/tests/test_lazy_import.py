"""`import mailoauth` loads only the native module; the drivers load on first use (start-up
time, measured by `make bench`)."""

import subprocess
import sys

import mailoauth

DRIVERS = ["TokenCache", "App", "client_credentials", "device_code", "get_token", "interactive",
           "refresh", "send", "imap_login", "pop_login", "smtp_login"]


def test_import_does_not_load_the_drivers() -> None:
    code = (
        "import sys, mailoauth\n"
        "mailoauth.xoauth2('u@example.com', 't')\n"
        "heavy = [m for m in ('mailoauth.flows', 'mailoauth.http', 'mailoauth.cache',\n"
        "         'mailoauth.mail', 'urllib.request', 'ssl', 'webbrowser') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == ""


def test_every_driver_name_resolves_to_its_module_object() -> None:
    from mailoauth import cache, flows, http, mail

    modules = {"TokenCache": cache, "send": http, "imap_login": mail, "pop_login": mail,
               "smtp_login": mail}
    for name in DRIVERS:
        value = getattr(mailoauth, name)
        assert value is getattr(modules.get(name, flows), name)
        assert name in dir(mailoauth)


def test_unknown_names_still_raise_attribute_error() -> None:
    try:
        mailoauth.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as e:
        assert "no_such_name" in str(e)
    else:
        raise AssertionError("expected AttributeError")
