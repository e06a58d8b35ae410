package dev.mailoauth.test

import dev.mailoauth.*
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.net.SocketTimeoutException
import java.net.InetAddress
import java.net.ServerSocket

/** Real IMAP XOAUTH2 logins over java.net.Socket against the scripted server on 127.0.0.1. */
@Timeout(60)
class ImapLoginTest {
    private val user = "someuser@example.com"
    private val token = "ya29.kotlin-test-token"

    @Test
    fun `login with SASL-IR and capabilities in the greeting succeeds`() {
        ScriptedImapServer(capabilitiesInGreeting = true, saslIr = true, expectedUser = user, expectedToken = token, accept = true).use { srv ->
            val r = imapLogin(ImapLoginConfig("127.0.0.1", srv.port, user, token))
            assertNull(srv.finish())
            val o = assertInstanceOf(AuthOutcome.Authenticated::class.java, r.outcome)
            assertEquals("[CAPABILITY IMAP4rev1 IDLE] AUTHENTICATE completed.", o.authenticated.serverText)
            assertEquals(listOf("IMAP4rev1", "IDLE"), o.authenticated.capabilities)
            assertTrue(r.capabilities.contains("SASL-IR"), r.capabilities.toString())
            assertEquals(1, srv.received().size, srv.received().size.toString())
        }
    }

    @Test
    fun `login asks for CAPABILITY when the greeting has none, then uses a continuation`() {
        ScriptedImapServer(capabilitiesInGreeting = false, saslIr = false, expectedUser = user, expectedToken = token, accept = true).use { srv ->
            val r = imapLogin(ImapLoginConfig("127.0.0.1", srv.port, user, token))
            assertNull(srv.finish())
            assertInstanceOf(AuthOutcome.Authenticated::class.java, r.outcome)
            assertEquals(listOf("IMAP4rev1", "AUTH=XOAUTH2"), r.capabilities)
            val seen = srv.received()
            assertEquals("C1 CAPABILITY", seen[0])
            assertEquals("A1 AUTHENTICATE XOAUTH2", seen[1])
        }
    }

    @Test
    fun `a refused login carries the decoded challenge and the diagnosis`() {
        ScriptedImapServer(capabilitiesInGreeting = false, saslIr = false, expectedUser = user, expectedToken = token, accept = false).use { srv ->
            val r = imapLogin(ImapLoginConfig("127.0.0.1", srv.port, user, token))
            assertNull(srv.finish())
            val rej = assertInstanceOf(AuthOutcome.Rejected::class.java, r.outcome).rejection
            assertEquals("NO", rej.status)
            assertEquals("AUTHENTICATE failed.", rej.serverText)
            val sasl = rej.saslError ?: throw AssertionError("no decoded SASL challenge")
            assertEquals("401", sasl.status)
            assertEquals("bearer", sasl.schemes)
            assertEquals("https://outlook.office.com/IMAP.AccessAsUser.All", sasl.scope)
            assertNull(sasl.openidConfiguration)
            // Exchange's "AUTHENTICATE failed." is in the reply catalogue (tests/vectors/imap_auth.json).
            assertEquals("auth_failed", rej.diagnosis?.code)
            assertEquals(diagnoseReply(Protocol.IMAP, "A1 NO AUTHENTICATE failed."), rej.diagnosis)
            assertTrue(describe(r.outcome).contains("auth_failed"))
            assertTrue(!describe(r.outcome).contains(token))
        }
    }

    @Test
    fun `a silent server times out instead of hanging`() {
        ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { silent ->
            val t = Thread { runCatching { silent.accept().use { Thread.sleep(5_000) } } }.apply { isDaemon = true; start() }
            assertThrows<SocketTimeoutException> {
                imapLogin(ImapLoginConfig("127.0.0.1", silent.localPort, user, token, timeoutMillis = 500))
            }
            t.interrupt()
        }
    }

    @Test
    fun `the config never prints the token`() {
        val cfg = ImapLoginConfig("127.0.0.1", 1, user, token)
        assertTrue(!cfg.toString().contains(token), cfg.toString())
    }
}
