"""``mailoauth relay``: OAuth for the mail clients and devices that can only send a password.

Scanners, printers, line-of-business applications and old mail clients log in to the relay on a
local IMAP, POP3 or SMTP port with a user name and a local password (stored only as a scrypt
hash); the relay gets or refreshes the named account's token (the accounts of ``mailoauth
account``), logs in upstream with XOAUTH2 through the core's machines, and then relays bytes both
ways. The client-facing protocol (greeting, capabilities, the client's login) is the core's
:class:`mailoauth.RelaySession`; this package does the sockets and TLS with asyncio.

- :mod:`mailoauth.relay.config`: the TOML configuration and the password hashes;
- :mod:`mailoauth.relay.server`: the listeners, sessions, token handling and the pipe;
- :mod:`mailoauth.relay.upstream`: the upstream connection and XOAUTH2 login;
- :mod:`mailoauth.relay.cli`: ``mailoauth relay run | check | hash-password``.

An example configuration is ``bindings-python/examples/relay.toml``, a systemd unit
``bindings-python/examples/mailoauth-relay.service``.
"""
