package dev.mailoauth.test

import dev.mailoauth.*
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Values cross the FFI intact, errors map to the right variant and code, secrets never print. */
class MarshallingTest {
    private val now = 4_102_444_800uL // 2100-01-01: past u32, so u64 must survive the crossing

    private fun response(status: Int, body: String, vararg headers: Pair<String, String>) =
        HttpResponse(status.toUShort(), headers.map { HttpHeader(it.first, it.second) }, body.toByteArray())

    // ---- errors -------------------------------------------------------------------------------

    @Test
    fun `a bad tenant is InvalidInput with code invalid_tenant`() {
        val e = assertThrows<MailoauthException.InvalidInput> { parseTenant("not a tenant!") }
        assertEquals("invalid_tenant", e.code)
        assertEquals("invalid_tenant", errorCode(e))
        assertTrue(e.reason.contains("tenant"), e.reason)
    }

    @Test
    fun `a bad client id is InvalidInput with code invalid_client_id`() {
        val e = assertThrows<MailoauthException.InvalidInput> { validateClientId("thunderbird") }
        assertEquals("invalid_client_id", e.code)
        assertEquals("9e5f94bc-e8a4-4e73-b8be-63364c29d753", validateClientId("9E5F94BC-E8A4-4E73-B8BE-63364C29D753"))
    }

    @Test
    fun `wrong random length and unknown names are invalid_input`() {
        assertEquals("invalid_input", assertThrows<MailoauthException.InvalidInput> { pkceFromRandom(ByteArray(31)) }.code)
        assertEquals("invalid_input", assertThrows<MailoauthException.InvalidInput> { jtiFromRandom(ByteArray(15)) }.code)
        assertEquals("invalid_input", assertThrows<MailoauthException.InvalidInput> { protocolFromName("gopher") }.code)
        assertEquals(Protocol.POP, protocolFromName("pop3"))
        assertEquals(CloudId.US_GOV_DOD, cloudIdFromName("usgov-dod"))
        assertEquals("usgov-dod", cloudIdName(CloudId.US_GOV_DOD))
        assertEquals(Mechanism.OAUTHBEARER, mechanismFromName("oauthbearer"))
        assertEquals("OAUTHBEARER", mechanismName(Mechanism.OAUTHBEARER))
    }

    @Test
    fun `a secret and an assertion together are refused`() {
        val e = assertThrows<MailoauthException.InvalidInput> {
            buildClientCredentialsRequest("https://login.microsoftonline.com/t/oauth2/v2.0/token", "9e5f94bc-e8a4-4e73-b8be-63364c29d753", "https://outlook.office365.com/.default", clientSecret = "s", clientAssertion = "a")
        }
        assertEquals("invalid_input", e.code)
    }

    @Test
    fun `a state mismatch is Security`() {
        val e = assertThrows<MailoauthException.Security> {
            parseAuthorizeRedirect("http://localhost:8400/?code=abc&state=other", "expected")
        }
        assertEquals("state_mismatch", e.code)
    }

    @Test
    fun `an OAuth refusal is Server with the server's details and an explanation`() {
        val body = """{"error":"invalid_grant","error_description":"AADSTS70008: The refresh token has expired.","error_codes":[70008],"trace_id":"t-1","correlation_id":"c-1","timestamp":"2024-01-01 00:00:00Z"}"""
        val e = assertThrows<MailoauthException.Server> { parseTokenResponse(response(400, body), now) }
        assertEquals("invalid_grant", e.code)
        val d = e.details
        assertEquals(400.toUShort(), d.status)
        assertEquals("invalid_grant", d.error)
        assertEquals(listOf(70008u), d.errorCodes)
        assertEquals(70008u, d.aadsts)
        assertEquals("t-1", d.traceId)
        assertEquals("c-1", d.correlationId)
        assertFalse(d.transient)
        assertTrue(d.requiresNewSignIn)
        assertEquals(70008u, d.explanation.aadsts)
        assertTrue(d.explanation.known)
        assertEquals(Remedy.SIGN_IN_AGAIN, d.explanation.remedy)
    }

    @Test
    fun `an HTTP failure is Server http_error with Retry-After and transient`() {
        val e = assertThrows<MailoauthException.Server> { parseTokenResponse(response(503, "<html>busy</html>", "Retry-After" to "30"), now) }
        assertEquals("http_error", e.code)
        assertEquals(503.toUShort(), e.details.status)
        assertEquals(30uL, e.details.retryAfter)
        assertTrue(e.details.transient)
        assertNull(e.details.error)
    }

    @Test
    fun `garbage is Protocol malformed`() {
        assertEquals("malformed", assertThrows<MailoauthException.Protocol> { decodeErrorChallenge("%%%") }.code)
        assertEquals("malformed", assertThrows<MailoauthException.Protocol> { tokenSetFromJson("{\"access_token\": 5}") }.code)
    }

    // ---- values -------------------------------------------------------------------------------

    @Test
    fun `token responses keep absolute times and u64 values`() {
        val t = parseTokenResponse(response(200, """{"access_token":"at-1","token_type":"bearer","expires_in":3600,"refresh_token":"rt-1","scope":"a b"}"""), now)
        assertEquals("Bearer", t.tokenType)
        assertEquals(now + 3600uL, t.expiresAt)
        assertEquals(listOf("a", "b"), t.scopes())
        assertFalse(t.needsRefresh(now, 300uL))
        assertTrue(t.needsRefresh(now + 3500uL, 300uL))
        val refreshed = t.mergedWith(TokenSet(accessToken = "at-2", expiresAt = now + 7200uL))
        assertEquals("at-2", refreshed.accessToken)
        assertEquals("rt-1", refreshed.refreshToken)
        assertEquals(t, tokenSetFromJson(t.toJson()))
    }

    @Test
    fun `bytes and unicode cross intact`() {
        val raw = saslInitialResponse(Mechanism.XOAUTH2, "jöe@exämple.com", "tok")
        assertArrayEquals("user=jöe@exämple.com\u0001auth=Bearer tok\u0001\u0001".toByteArray(Charsets.UTF_8), raw)
        val d = decodeInitialResponse(Mechanism.XOAUTH2, xoauth2("jöe@exämple.com", "tok"))
        assertEquals("jöe@exämple.com", d.user)
        assertEquals("tok", d.token)
        assertEquals("AQ==", errorChallengeAnswer(Mechanism.OAUTHBEARER))
    }

    @Test
    fun `cloud records carry methods`() {
        val c = cloudPreset(CloudId.GLOBAL)
        assertEquals(c, cloudFromName("global"))
        assertEquals(MailServer("outlook.office365.com", 993u), c.mailServer(Protocol.IMAP))
        assertEquals(listOf("https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"), c.delegatedScopes(listOf(Protocol.IMAP), true))
        val custom = c.copy(imapHost = "imap.test")
        assertEquals("imap.test", custom.mailServer(Protocol.IMAP).host)
        val e = endpointsMicrosoft(c, "contoso.com")
        assertEquals("https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token", e.tokenUrl)
        assertEquals(TenantKind.DOMAIN, parseTenant("Contoso.com").kind)
        assertTrue(wellKnownApps().isNotEmpty())
    }

    @Test
    fun `authorize URL round trip with PKCE`() {
        val pkce = pkceFromRandom(ByteArray(32) { it.toByte() })
        assertEquals(s256Challenge(pkce.verifier), pkce.challenge)
        val req = authorizeRequestMicrosoft(cloudPreset(CloudId.GLOBAL), "organizations", "9e5f94bc-e8a4-4e73-b8be-63364c29d753", "http://localhost:8400/", listOf(Protocol.IMAP, Protocol.SMTP), "st-1", pkce)
        val url = authorizeUrl(req)
        assertTrue(url.startsWith("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?"), url)
        assertTrue(url.contains("code_challenge=${pkce.challenge}"), url)
        val code = parseAuthorizeRedirect("http://localhost:8400/?code=c0de&state=st-1", "st-1")
        assertEquals("c0de", code.code)
    }

    // ---- state machines -----------------------------------------------------------------------

    @Test
    fun `the device poller drives a whole flow`() {
        val auth = parseDeviceAuthorizationResponse(
            response(200, """{"device_code":"dc-secret","user_code":"ABCD-EFGH","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5}"""),
            now,
        )
        DevicePoller("https://login.microsoftonline.com/common/oauth2/v2.0/token", "9e5f94bc-e8a4-4e73-b8be-63364c29d753", auth, now).use { p ->
            assertEquals(DeviceAction.PollAt(now + 5uL), p.nextAction(now))
            val send = assertInstanceOf(DeviceAction.Send::class.java, p.nextAction(now + 5uL))
            assertTrue(send.request.formFields().contains(HttpHeader("device_code", "dc-secret")))
            p.receiveResponse(response(400, """{"error":"authorization_pending"}"""), now + 6uL)
            assertInstanceOf(DeviceAction.PollAt::class.java, p.nextAction(now + 6uL))
            assertInstanceOf(DeviceAction.Send::class.java, p.nextAction(p.nextPollAt()))
            p.receiveResponse(response(200, """{"access_token":"at","token_type":"Bearer","expires_in":60}"""), p.nextPollAt())
            val done = assertInstanceOf(DeviceAction.Done::class.java, p.nextAction(p.nextPollAt()))
            val tok = assertInstanceOf(DeviceOutcome.Token::class.java, done.outcome)
            assertEquals("at", tok.token.accessToken)
            assertEquals(done.outcome, p.outcome())
        }
    }

    @Test
    fun `a machine refuses to start when the mechanism is not offered`() {
        val e = assertThrows<MailoauthException.Protocol> {
            ImapAuth(Mechanism.XOAUTH2, "u@example.com", "t", "A1", listOf("IMAP4rev1", "AUTH=PLAIN"))
        }
        assertEquals("mechanism_not_offered", e.code)
    }

    @Test
    fun `a protocol error ends the machine with Failed`() {
        SmtpAuth(Mechanism.XOAUTH2, "u@example.com", "t", listOf("AUTH XOAUTH2"), InitialResponse.AUTO).use { m ->
            assertInstanceOf(MailAction.Send::class.java, m.nextAction())
            assertInstanceOf(MailAction.NeedLine::class.java, m.nextAction())
            // One error channel: the server's garbage ends the exchange, reported in Done only.
            m.receiveLine("garbage\r\n".toByteArray())
            val done = assertInstanceOf(MailAction.Done::class.java, m.nextAction())
            val failed = assertInstanceOf(AuthOutcome.Failed::class.java, done.outcome)
            assertEquals("unexpected_reply", failed.error.code)
            assertInstanceOf(MailoauthException.Protocol::class.java, failed.error)
            assertTrue(m.isDone())
            // Feeding after Done is the caller's mistake, and that call fails.
            val misuse = assertThrows<MailoauthException.InvalidInput> { m.receiveLine("235 ok\r\n".toByteArray()) }
            assertEquals("invalid_input", misuse.code)
        }
    }

    @Test
    fun `SMTP and POP line helpers feed the machines`() {
        SmtpReplyReader().use { r ->
            assertNull(r.feed("250-smtp.example.com Hello\r\n"))
            assertNull(r.feed("250-AUTH LOGIN XOAUTH2\r\n"))
            val reply = r.feed("250 SIZE 1000\r\n") ?: throw AssertionError("the reply did not end")
            assertEquals(250.toUShort(), reply.code)
            assertTrue(reply.isPositive)
            val ehlo = smtpParseEhlo(reply)
            assertEquals(listOf("AUTH LOGIN XOAUTH2", "SIZE 1000"), ehlo)
            SmtpAuth(Mechanism.XOAUTH2, "u@example.com", "t", ehlo, InitialResponse.AUTO).use { m ->
                val first = assertInstanceOf(MailAction.Send::class.java, m.nextAction())
                assertTrue(first.data.decodeToString().startsWith("AUTH XOAUTH2 "))
            }
            assertEquals("malformed", assertThrows<MailoauthException.Protocol> { r.feed("hello\r\n") }.code)
        }
        assertArrayEquals("EHLO client.example\r\n".toByteArray(), smtpEhloCommand("client.example"))
        assertEquals("invalid_input", assertThrows<MailoauthException.InvalidInput> { smtpEhloCommand("two words") }.code)
        assertEquals(PopReply(true, "ready"), popParseReply("+OK ready\r\n"))
        assertEquals(listOf("SASL XOAUTH2", "USER"), popParseCapa(listOf("+OK\r\n", "SASL XOAUTH2\r\n", "USER\r\n", ".\r\n")))
        assertArrayEquals("CAPA\r\n".toByteArray(), popCapaCommand())
    }

    // ---- redaction ----------------------------------------------------------------------------

    @Test
    fun `secrets never appear in toString`() {
        val secret = "S3CRET-value"
        val shown = listOf(
            TokenSet(accessToken = secret, refreshToken = secret, idToken = secret).toString(),
            buildClientCredentialsRequest("https://login.microsoftonline.com/t/oauth2/v2.0/token", "9e5f94bc-e8a4-4e73-b8be-63364c29d753", "https://outlook.office365.com/.default", clientSecret = secret).toString(),
            HttpResponse(200u, listOf(HttpHeader("Set-Cookie", secret)), secret.toByteArray()).toString(),
            decodeInitialResponse(Mechanism.XOAUTH2, xoauth2("u@example.com", secret)).toString(),
            pkceFromVerifier(secret.repeat(5)).toString(),
            parseAuthorizeRedirect("http://localhost/?code=$secret&state=s", "s").toString(),
            DeviceAuthorization(secret, "UC", "https://x", null, now, 5uL, null).toString(),
            MailAction.Send(xoauth2("u", secret).toByteArray()).toString(),
        )
        for (s in shown) {
            assertFalse(s.contains(secret), s)
            assertFalse(s.contains(secret.repeat(5)), s)
        }
        assertTrue(shown[0].contains("redacted"), shown[0])
        assertNotNull(coreVersion())
    }
}
