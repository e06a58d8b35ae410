// The Kotlin runner of the shared conformance vectors (tests/vectors/README.md).
//
// Same contract as the Rust runner (core/tests/vectors.rs) and the Python one
// (bindings-python/tests/test_vectors.py), whose dispatch it imitates kind by kind: reads every
// `*.json` file of $MAILOAUTH_VECTORS (default: <repo>/tests/vectors), runs every vector through
// the KOTLIN binding (the generated dev.mailoauth API over JNA), fails on a kind it does not know
// and on a file it cannot parse, names each failure `file:name`, and prints exactly
// `vectors: kotlin ran N, failed F`.
package dev.mailoauth.test

import com.google.gson.JsonArray
import com.google.gson.JsonElement
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import dev.mailoauth.*
import java.io.File
import java.net.URI
import java.net.URLDecoder
import kotlin.system.exitProcess

/** A vector's result differs from what it expects. */
class Mismatch(message: String) : Exception(message)

/** The outcome of one run over a folder. */
data class VectorReport(val ran: Int, val failures: List<String>) {
    /** The line every runner prints. */
    fun summary(): String = "vectors: kotlin ran $ran, failed ${failures.size}"
}

/** The stable code of a binding error (the code field of every variant). */
val MailoauthException.code: String
    get() = errorCode(this)

/** The server's details, when the error is a server refusal. */
val MailoauthException.serverDetails: ServerErrorDetails?
    get() = (this as? MailoauthException.Server)?.details

// ---------------------------------------------------------------------------------------------
// JSON helpers: absent and null are the same ("absent" in the vector schema).

private fun JsonObject.opt(key: String): JsonElement? = get(key)?.takeUnless { it.isJsonNull }
private fun JsonObject.str(key: String): String? = opt(key)?.asString
private fun JsonObject.long(key: String): Long? = opt(key)?.asLong
private fun JsonObject.obj(key: String): JsonObject? = opt(key)?.asJsonObject
private fun JsonObject.strings(key: String): List<String>? = opt(key)?.asJsonArray?.map { it.asString }
private fun JsonObject.need(key: String): String = str(key) ?: throw Mismatch("input.$key is missing")

private fun eq(field: String, got: Any?, want: Any?) {
    if (got != want) throw Mismatch("$field: got ${show(got)}, want ${show(want)}")
}

private fun show(v: Any?): String = when (v) {
    null -> "null"
    is String -> "\"$v\""
    else -> v.toString()
}

private fun JsonObject.expect(): JsonObject = obj("expect") ?: JsonObject()
private fun JsonObject.input(): JsonObject = obj("input") ?: JsonObject()

private fun expectedError(v: JsonObject): String? =
    v.expect().get("error")?.takeIf { it.isJsonPrimitive }?.asString

/** Runs [fn]; returns its value, or null when the vector expected (and got) that error code. */
private fun <T> checkError(v: JsonObject, fn: () -> T): T? {
    val want = expectedError(v)
    val got = try {
        fn()
    } catch (e: MailoauthException) {
        if (want == null) throw Mismatch("unexpected error ${e.code}: ${e.message}")
        eq("error code", e.code, want)
        return null
    }
    if (want != null) throw Mismatch("expected error \"$want\", got $got")
    return got
}

/** Like [checkError], first comparing the server details named in [fields] on an error. */
private fun <T> serverErrorFields(v: JsonObject, fields: List<String>, fn: () -> T): T? {
    val x = v.expect()
    val got = try {
        fn()
    } catch (e: MailoauthException) {
        for (f in fields.filter { x.has(it) }) {
            when (f) {
                "aadsts" -> eq(f, e.serverDetails?.aadsts?.toLong(), x.long(f))
                "error_description" -> eq(f, e.serverDetails?.errorDescription, x.str(f))
                else -> throw Mismatch("runner: unknown detail $f")
            }
        }
        return checkError<T>(v) { throw e }
    }
    return checkError(v) { got }
}

/** Scheme, host, port and path exactly; the query as a multiset of decoded pairs. */
private fun urlEq(got: String, want: String) {
    fun parts(u: String): List<Any?> {
        val uri = URI(u)
        val pairs = (uri.rawQuery ?: "").split('&').filter { it.isNotEmpty() }.map {
            val k = it.substringBefore('=')
            val value = if (it.contains('=')) it.substringAfter('=') else ""
            URLDecoder.decode(k, Charsets.UTF_8) to URLDecoder.decode(value, Charsets.UTF_8)
        }.sortedWith(compareBy({ it.first }, { it.second }))
        return listOf(uri.scheme, uri.host, uri.port, uri.rawPath.ifEmpty { "/" }, pairs)
    }
    if (parts(got) != parts(want)) throw Mismatch("url: got $got, want $want")
}

// ---------------------------------------------------------------------------------------------
// One function per kind.

private fun runXoauth2(v: JsonObject) {
    val i = v.input()
    checkError(v) { xoauth2(i.need("user"), i.need("token")) }?.let { eq("base64", it, v.expect().str("base64")) }
}

private fun runOauthbearer(v: JsonObject) {
    val i = v.input()
    checkError(v) {
        oauthbearer(i.need("user"), i.need("token"), i.str("host"), i.long("port")?.toUShort())
    }?.let { eq("base64", it, v.expect().str("base64")) }
}

private fun runSaslErrorChallenge(v: JsonObject) {
    val e = checkError(v) { decodeErrorChallenge(v.input().need("base64")) } ?: return
    val x = v.expect()
    eq("status", e.status, x.str("status"))
    eq("schemes", e.schemes, x.str("schemes"))
    eq("scope", e.scope, x.str("scope"))
    eq("openid_configuration", e.openidConfiguration, x.str("openid_configuration"))
}

private fun runAdminConsentUrl(v: JsonObject) {
    val i = v.input()
    val url = checkError(v) {
        adminConsentUrl(
            cloud = cloudFromName(i.str("cloud") ?: "global"),
            tenant = i.need("tenant"),
            clientId = i.need("client_id"),
            variant = consentVariantFromName(i.str("variant") ?: "v2"),
            redirectUri = i.str("redirect_uri"),
            scope = i.str("scope"),
            state = i.str("state"),
        )
    } ?: return
    urlEq(url, v.expect().str("url") ?: throw Mismatch("expect.url is missing"))
}

private fun runPkceS256(v: JsonObject) {
    val i = v.input()
    val p = checkError(v) {
        val octets = i.opt("octets")
        if (octets != null) {
            pkceFromRandom(octets.asJsonArray.map { it.asInt.toByte() }.toByteArray())
        } else {
            pkceFromVerifier(i.need("verifier"))
        }
    } ?: return
    val x = v.expect()
    x.str("verifier")?.let { eq("verifier", p.verifier, it) }
    eq("challenge", p.challenge, x.str("challenge"))
    eq("method", p.method, "S256")
}

private fun runAdminConsentRedirect(v: JsonObject) {
    val i = v.input()
    val r = serverErrorFields(v, listOf("aadsts")) {
        parseAdminConsentRedirect(i.need("redirect_url"), i.str("expected_state"))
    } ?: return
    val x = v.expect()
    eq("granted", r.granted, x.opt("granted")?.asBoolean)
    if (x.has("tenant")) eq("tenant", r.tenant, x.str("tenant"))
    if (x.has("scope")) eq("scope", r.scope, x.str("scope"))
}

private fun runAuthorizeRedirect(v: JsonObject) {
    val i = v.input()
    val c = serverErrorFields(v, listOf("error_description")) {
        parseAuthorizeRedirect(i.need("redirect_url"), i.need("expected_state"), i.str("expected_issuer"))
    } ?: return
    eq("code", c.code, v.expect().str("code"))
}

private fun responseOf(v: JsonObject): HttpResponse {
    val i = v.input()
    val headers = i.obj("headers")?.entrySet()?.map { HttpHeader(it.key, it.value.asString) } ?: listOf()
    return HttpResponse(
        status = (i.long("status") ?: throw Mismatch("input.status is missing")).toUShort(),
        headers = headers,
        body = i.need("body").toByteArray(Charsets.UTF_8),
    )
}

private fun checkToken(t: TokenSet, want: JsonObject) {
    eq("token.access_token", t.accessToken, want.str("access_token"))
    eq("token.token_type", t.tokenType, want.str("token_type"))
    eq("token.expires_at", t.expiresAt?.toLong(), want.long("expires_at"))
    eq("token.refresh_token", t.refreshToken, want.str("refresh_token"))
    eq("token.scope", t.scope, want.str("scope"))
}

private fun checkErrorValue(v: JsonObject, e: MailoauthException) {
    val want = v.expect().opt("error") ?: throw Mismatch("unexpected error ${e.code}: ${e.message}")
    if (want.isJsonPrimitive) {
        eq("error code", e.code, want.asString)
        return
    }
    val w = want.asJsonObject
    eq("error.error", e.code, w.str("error"))
    if (w.has("error_codes")) {
        eq("error.error_codes", e.serverDetails?.errorCodes?.map { it.toLong() } ?: listOf<Long>(),
            w.getAsJsonArray("error_codes").map { it.asLong })
    }
    if (w.has("aadsts")) eq("error.aadsts", e.serverDetails?.aadsts?.toLong(), w.long("aadsts"))
}

private fun runTokenResponse(v: JsonObject) {
    val t = try {
        parseTokenResponse(responseOf(v), v.input().long("now")!!.toULong())
    } catch (e: MailoauthException) {
        checkErrorValue(v, e)
        return
    }
    val want = v.expect().obj("token") ?: throw Mismatch("expected an error, got $t")
    checkToken(t, want)
}

private fun runDeviceAuthorizationResponse(v: JsonObject) {
    val a = try {
        parseDeviceAuthorizationResponse(responseOf(v), v.input().long("now")!!.toULong())
    } catch (e: MailoauthException) {
        checkErrorValue(v, e)
        return
    }
    val x = v.expect()
    if (x.opt("error") != null) throw Mismatch("expected an error, got $a")
    eq("device_code", a.deviceCode, x.str("device_code"))
    eq("user_code", a.userCode, x.str("user_code"))
    eq("verification_uri", a.verificationUri, x.str("verification_uri"))
    eq("expires_at", a.expiresAt.toLong(), x.long("expires_at"))
    eq("interval", a.interval.toLong(), x.long("interval"))
    if (x.has("verification_uri_complete")) eq("verification_uri_complete", a.verificationUriComplete, x.str("verification_uri_complete"))
    if (x.has("message")) eq("message", a.message, x.str("message"))
}

private fun runDevicePollResponse(v: JsonObject) {
    val i = v.input()
    val r = try {
        parseDevicePollResponse(responseOf(v), i.long("now")!!.toULong(), i.long("interval")!!.toULong())
    } catch (e: MailoauthException) {
        checkErrorValue(v, e)
        return
    }
    val x = v.expect()
    if (x.opt("error") != null) throw Mismatch("expected an error, got $r")
    val state = when (r) {
        is PollResult.Pending -> "pending"
        is PollResult.Declined -> "declined"
        is PollResult.Expired -> "expired"
        is PollResult.Token -> "token"
    }
    eq("state", state, x.str("state"))
    if (r is PollResult.Pending) {
        eq("interval", r.interval.toLong(), x.long("interval"))
        eq("next_poll_at", r.nextPollAt.toLong(), x.long("next_poll_at"))
    } else if (r is PollResult.Token) {
        x.obj("token")?.let { checkToken(r.token, it) }
    }
}

private fun runDiagnoseTokenError(v: JsonObject) {
    val e = checkError(v) { explainErrorBody(v.input().need("body")) } ?: return
    val want = v.expect()
    if (want.has("aadsts")) eq("aadsts", e.aadsts?.toLong(), want.long("aadsts"))
    if (want.has("known")) eq("known", e.known, want.opt("known")?.asBoolean)
}

private fun runAccessTokenLint(v: JsonObject) {
    val i = v.input()
    val lint = lintAccessToken(
        token = i.need("token"),
        protocol = protocolFromName(i.need("protocol")),
        grant = grantFromName(i.need("grant")),
        now = i.long("now")!!.toULong(),
        user = i.str("user"),
        cloud = i.str("cloud")?.let { cloudFromName(it) },
    )
    checkFindings(v, lint.findings)
}

/** `expect.findings` (a set of codes), and `expect.severities` / `expect.fix_contains` when present. */
private fun checkFindings(v: JsonObject, findings: List<LintFinding>) {
    val x = v.expect()
    val want = x.strings("findings") ?: throw Mismatch("expect.findings is missing")
    eq("findings", findings.map { it.code }.toSortedSet(), want.toSortedSet())
    fun finding(field: String, code: String): LintFinding =
        findings.firstOrNull { it.code == code } ?: throw Mismatch("$field names \"$code\", which is not a finding")
    x.obj("severities")?.entrySet()?.forEach { (code, sev) ->
        eq("severity of $code", severityName(finding("severities", code).severity), sev.asString)
    }
    x.obj("fix_contains")?.entrySet()?.forEach { (code, text) ->
        val fix = finding("fix_contains", code).fix
        if (!fix.contains(text.asString)) throw Mismatch("fix of $code ${show(fix)} lacks ${show(text.asString)}")
    }
}

private fun runConfigLint(v: JsonObject) {
    val i = v.input()
    val findings = lintConfig(
        flow = configFlowFromName(i.need("flow")),
        tenant = i.str("tenant"),
        clientId = i.str("client_id"),
        clientSecret = i.str("client_secret"),
        scopes = i.strings("scopes") ?: throw Mismatch("input.scopes is missing"),
        authority = i.str("authority"),
        hasCertificate = i.opt("has_certificate")?.asBoolean ?: false,
    )
    checkFindings(v, findings)
}

private fun runRunbook(v: JsonObject) {
    val i = v.input()
    val r = checkError(v) {
        buildRunbook(
            cloud = cloudFromName(i.need("cloud")),
            tenant = i.need("tenant"),
            clientId = i.need("client_id"),
            servicePrincipalObjectId = i.str("object_id"),
            mailboxes = i.strings("mailboxes") ?: throw Mismatch("input.mailboxes is missing"),
            protocols = (i.strings("protocols") ?: throw Mismatch("input.protocols is missing")).map { protocolFromName(it) },
            variant = runbookVariantFromName(i.need("variant")),
        )
    } ?: return
    val commands = r.steps.flatMap { it.commands }
    val x = v.expect()
    for (line in x.strings("commands_contain") ?: throw Mismatch("expect.commands_contain is missing")) {
        if (line !in commands) throw Mismatch("no command is ${show(line)}; the commands: $commands")
    }
    for (text in x.strings("commands_exclude") ?: listOf()) {
        commands.firstOrNull { it.contains(text) }?.let { throw Mismatch("command ${show(it)} contains ${show(text)}") }
    }
}

private fun runClientCredentialsRequest(v: JsonObject) {
    val i = v.input()
    val req = checkError(v) {
        buildClientCredentialsRequest(
            i.need("token_url"), i.need("client_id"), i.need("scope"),
            clientSecret = i.str("client_secret"), clientAssertion = i.str("client_assertion"), clientAuth = i.str("client_auth"),
        )
    } ?: return
    checkRequest(v, req)
}

/** `expect.url` (as a URL), the optional `expect.headers` and `expect.form` (each field once). */
private fun checkRequest(v: JsonObject, req: HttpRequest) {
    val x = v.expect()
    urlEq(req.url, x.str("url") ?: throw Mismatch("expect.url is missing"))
    // Optional: headers the request must carry, names compared case-insensitively.
    x.obj("headers")?.entrySet()?.forEach { (name, want) ->
        val got = req.headers.firstOrNull { it.name.equals(name, ignoreCase = true) }?.value
        eq("header $name", got, if (want.isJsonNull) null else want.asString)
    }
    val want = (x.obj("form") ?: throw Mismatch("expect.form is missing")).entrySet().map { it.key to it.value.asString }
    val order = compareBy<Pair<String, String>>({ it.first }, { it.second })
    eq("form", req.formFields().map { it.name to it.value }.sortedWith(order), want.sortedWith(order))
}

private fun runWellKnownUrls(v: JsonObject) {
    val urls = checkError(v) { wellKnownUrls(v.input().need("issuer")) } ?: return
    eq("urls", urls, v.expect().strings("urls"))
}

private fun runProviderMetadata(v: JsonObject) {
    val i = v.input()
    val resp = HttpResponse(
        status = (i.long("status") ?: 200L).toUShort(),
        headers = listOf(),
        body = i.need("document").toByteArray(Charsets.UTF_8),
    )
    val m = checkError(v) { parseProviderMetadata(resp, i.need("issuer"), (i.long("now") ?: 0L).toULong()) } ?: return
    val x = v.expect()
    val texts = mapOf(
        "issuer" to m.issuer,
        "authorization_endpoint" to m.authorizationEndpoint,
        "token_endpoint" to m.tokenEndpoint,
        "device_authorization_endpoint" to m.deviceAuthorizationEndpoint,
        "revocation_endpoint" to m.revocationEndpoint,
    )
    for ((f, got) in texts) if (x.has(f)) eq(f, got, x.str(f))
    val lists = mapOf(
        "grant_types_supported" to m.grantTypesSupported,
        "token_endpoint_auth_methods_supported" to m.tokenEndpointAuthMethodsSupported,
        "token_endpoint_auth_signing_alg_values_supported" to m.tokenEndpointAuthSigningAlgValuesSupported,
        "scopes_supported" to m.scopesSupported,
        "code_challenge_methods_supported" to m.codeChallengeMethodsSupported,
    )
    for ((f, got) in lists) if (x.has(f)) eq(f, got, x.strings(f))
    val iss = "authorization_response_iss_parameter_supported"
    if (x.has(iss)) eq(iss, m.authorizationResponseIssParameterSupported, x.opt(iss)?.asBoolean)
    if (x.has("chosen_client_auth")) {
        val flag = { k: String -> i.opt(k)?.asBoolean ?: false }
        val got = try {
            m.chooseClientAuth(flag("has_secret"), flag("has_key"))
        } catch (e: MailoauthException) {
            if (e.code != "invalid_input") throw Mismatch("chooseClientAuth: unexpected error ${e.code}: ${e.message}")
            null
        }
        eq("chosen_client_auth", got, x.str("chosen_client_auth"))
    }
}

/** Google is the one preset with endpoints here (Microsoft's are `cloud_preset`'s). */
private fun googleOnly(v: JsonObject) {
    val p = v.input().need("provider")
    if (p != "google") throw Mismatch("no preset request for provider \"$p\" (only google)")
}

private fun runProviderPreset(v: JsonObject) {
    googleOnly(v)
    val e = googleEndpoints()
    val x = v.expect()
    eq("issuer", e.issuer, x.str("issuer"))
    eq("authorize_url", e.authorizeUrl, x.str("authorize_url"))
    eq("token_url", e.tokenUrl, x.str("token_url"))
    eq("device_authorization_url", e.deviceAuthorizationUrl, x.str("device_authorization_url"))
    eq("scopes", googleScopes(), x.strings("scopes"))
    for ((f, p) in listOf("imap" to Protocol.IMAP, "pop" to Protocol.POP, "smtp" to Protocol.SMTP)) {
        val s = googleMailServer(p)
        val want = x.opt(f)?.asJsonArray
        eq(f, listOf<Any?>(s.host, s.port.toLong()), listOf<Any?>(want?.get(0)?.asString, want?.get(1)?.asLong))
    }
}

private fun runProviderRequest(v: JsonObject) {
    val i = v.input()
    val request = i.need("request")
    if (request == "device_flow") {
        checkError(v) { checkDeviceFlow(i.need("provider"), i.strings("scopes") ?: throw Mismatch("input.scopes is missing")) }
        return
    }
    googleOnly(v)
    val tokenUrl = googleEndpoints().tokenUrl
    when (request) {
        "redirect_uri" -> checkError(v) { checkGoogleRedirectUri(i.need("redirect_uri")) }
        "authorize" -> {
            val url = checkError(v) {
                // The preset's redirect rule first, as a Google client applies it.
                checkGoogleRedirectUri(i.need("redirect_uri"))
                authorizeUrl(
                    AuthorizeRequest(
                        authorizeUrl = googleEndpoints().authorizeUrl, clientId = i.need("client_id"),
                        redirectUri = i.need("redirect_uri"), scopes = googleScopes(), state = i.need("state"),
                        codeChallenge = i.need("code_challenge"), prompt = i.str("prompt"), loginHint = i.str("login_hint"),
                    ),
                )
            } ?: return
            urlEq(url, v.expect().str("url") ?: throw Mismatch("expect.url is missing"))
        }
        "auth_code" -> checkError(v) {
            buildAuthCodeRequest(
                tokenUrl, i.need("client_id"), i.need("code"), i.need("redirect_uri"), i.need("code_verifier"),
                clientSecret = i.need("client_secret"),
            )
        }?.let { checkRequest(v, it) }
        "refresh" -> checkError(v) {
            buildRefreshRequest(tokenUrl, i.need("client_id"), i.need("refresh_token"), clientSecret = i.need("client_secret"))
        }?.let { checkRequest(v, it) }
        else -> throw Mismatch("input.request \"$request\" is not a provider request")
    }
}

private fun runCertificatePem(v: JsonObject) {
    val der = checkError(v) { certificateDerFromPem(v.input().need("pem")) } ?: return
    eq("x5t_s256", x5tS256(der), v.expect().str("x5t_s256"))
}

private fun runPrivateKeyPem(v: JsonObject) {
    val i = v.input()
    val c = checkError(v) { checkPrivateKey(i.need("certificate_pem"), i.need("key_pem")) } ?: return
    val x = v.expect()
    eq("key_format", c.keyFormat, x.str("key_format"))
    eq("key_bits", c.keyBits.toLong(), x.long("key_bits"))
    eq("matches_certificate", c.matchesCertificate, x.opt("matches_certificate")?.asBoolean)
}

private fun runCloudPreset(v: JsonObject) {
    val c = checkError(v) { cloudFromName(v.input().need("cloud")) } ?: return
    val x = v.expect()
    eq("id", cloudIdName(c.id), x.str("id"))
    eq("login_base", c.loginBase, x.str("login_base"))
    eq("imap_host", c.imapHost, x.str("imap_host"))
    eq("pop_host", c.popHost, x.str("pop_host"))
    eq("smtp_host", c.smtpHost, x.str("smtp_host"))
    eq("delegated_scopes", c.delegatedScopes(listOf(Protocol.IMAP, Protocol.POP, Protocol.SMTP), true), x.strings("delegated_scopes"))
}

private fun runDiagnoseReply(v: JsonObject) {
    val i = v.input()
    val personal = i.opt("personal")?.asBoolean ?: false
    val d = diagnoseReply(protocolFromName(i.need("protocol")), i.need("line"), personal)
    val x = v.expect()
    eq("code", d?.code, x.str("code"))
    x.str("fix_contains")?.let { text ->
        val fix = d?.fix ?: ""
        if (!fix.contains(text)) throw Mismatch("fix ${show(fix)} lacks ${show(text)}")
    }
}

/** A state machine of any of the three protocols, seen through one small interface. */
private class Machine(
    val next: () -> MailAction,
    val receive: (ByteArray) -> Unit,
    val close: () -> Unit,
)

private fun buildMachine(kind: String, i: JsonObject): Machine {
    val mechanism = mechanismFromName(i.need("mechanism"))
    val user = i.need("user")
    val token = i.need("token")
    val host = i.str("host")
    val port = i.long("port")?.toUShort()
    return when (kind) {
        "imap_auth" -> ImapAuth(mechanism, user, token, i.need("tag"), i.strings("capabilities") ?: listOf(), host, port)
            .let { m -> Machine({ m.nextAction() }, { m.receiveLine(it) }, { m.close() }) }
        "pop_auth" -> PopAuth(mechanism, user, token, initialResponseFromName(i.str("initial_response") ?: "auto"), i.strings("capabilities"), host, port)
            .let { m -> Machine({ m.nextAction() }, { m.receiveLine(it) }, { m.close() }) }
        else -> SmtpAuth(mechanism, user, token, i.strings("ehlo") ?: listOf(), initialResponseFromName(i.str("initial_response") ?: "auto"), host, port)
            .let { m -> Machine({ m.nextAction() }, { m.receiveLine(it) }, { m.close() }) }
    }
}

private fun runTranscript(v: JsonObject) {
    val entries: JsonArray = v.get("transcript")?.takeUnless { it.isJsonNull }?.asJsonArray ?: JsonArray()
    val m = try {
        buildMachine(v.get("kind").asString, v.input())
    } catch (e: MailoauthException) {
        if (entries.size() > 0) throw Mismatch("the machine refused to start (${e.code}: ${e.message}) but the transcript is not empty")
        checkOutcome(v, AuthOutcome.Failed(e))
        return
    }
    try {
        entries.forEachIndexed { n, el ->
            val entry = el.asJsonObject
            val a = m.next()
            when {
                entry.has("C") -> {
                    if (a !is MailAction.Send) throw Mismatch("transcript[$n] C: the machine wants $a")
                    val want = entry.get("C").asString.toByteArray(Charsets.UTF_8)
                    if (!a.data.contentEquals(want)) {
                        throw Mismatch("transcript[$n] C: got \"${a.data.decodeToString()}\", want \"${entry.get("C").asString}\"")
                    }
                }
                entry.has("S") -> {
                    if (a !is MailAction.NeedLine) throw Mismatch("transcript[$n] S: the machine is not waiting for a line: $a")
                    // A protocol error is the machine's outcome, checked below; the call itself
                    // fails only out of turn, which would be this runner's mistake.
                    m.receive(entry.get("S").asString.toByteArray(Charsets.UTF_8))
                }
                else -> throw Mismatch("transcript[$n] has neither C nor S")
            }
        }
        val a = m.next()
        if (a !is MailAction.Done) throw Mismatch("after the transcript the machine is not done: $a")
        checkOutcome(v, a.outcome)
    } finally {
        m.close()
    }
}

private fun checkOutcome(v: JsonObject, o: AuthOutcome) {
    val x = v.expect()
    val kind = when (o) {
        is AuthOutcome.Authenticated -> "authenticated"
        is AuthOutcome.Rejected -> "rejected"
        is AuthOutcome.Failed -> "error"
    }
    eq("outcome", kind, x.str("outcome"))
    when (o) {
        is AuthOutcome.Failed -> eq("error code", o.error.code, x.str("error"))
        is AuthOutcome.Authenticated -> {
            if (x.has("server_text")) eq("server_text", o.authenticated.serverText, x.str("server_text"))
        }
        is AuthOutcome.Rejected -> {
            val r = o.rejection
            if (x.has("server_text")) eq("server_text", r.serverText, x.str("server_text"))
            if (x.has("diagnosis")) eq("diagnosis", r.diagnosis?.code, x.str("diagnosis"))
            if (x.has("retry_with_fresh_token")) eq("retry_with_fresh_token", r.retryWithFreshToken, x.opt("retry_with_fresh_token")?.asBoolean)
            if (x.has("reply_code")) eq("reply_code", r.replyCode?.toLong(), x.long("reply_code"))
            if (x.has("enhanced_status")) eq("enhanced_status", r.enhancedStatus, x.str("enhanced_status"))
            if (x.has("sasl_error")) {
                val want = x.obj("sasl_error")
                val got = r.saslError
                if (want == null || got == null) {
                    eq("sasl_error", got, want)
                } else {
                    eq("sasl_error.status", got.status, want.str("status"))
                    eq("sasl_error.schemes", got.schemes, want.str("schemes"))
                    eq("sasl_error.scope", got.scope, want.str("scope"))
                    eq("sasl_error.openid_configuration", got.openidConfiguration, want.str("openid_configuration"))
                }
            }
        }
    }
}

/** Every kind this runner knows; anything else fails. */
val KINDS: Map<String, (JsonObject) -> Unit> = mapOf(
    "xoauth2" to ::runXoauth2,
    "oauthbearer" to ::runOauthbearer,
    "sasl_error_challenge" to ::runSaslErrorChallenge,
    "admin_consent_url" to ::runAdminConsentUrl,
    "pkce_s256" to ::runPkceS256,
    "admin_consent_redirect" to ::runAdminConsentRedirect,
    "authorize_redirect" to ::runAuthorizeRedirect,
    "token_response" to ::runTokenResponse,
    "device_authorization_response" to ::runDeviceAuthorizationResponse,
    "device_poll_response" to ::runDevicePollResponse,
    "diagnose_token_error" to ::runDiagnoseTokenError,
    "access_token_lint" to ::runAccessTokenLint,
    "diagnose_reply" to ::runDiagnoseReply,
    "config_lint" to ::runConfigLint,
    "runbook" to ::runRunbook,
    "client_credentials_request" to ::runClientCredentialsRequest,
    "cloud_preset" to ::runCloudPreset,
    "well_known_urls" to ::runWellKnownUrls,
    "provider_metadata" to ::runProviderMetadata,
    "provider_preset" to ::runProviderPreset,
    "provider_request" to ::runProviderRequest,
    "certificate_pem" to ::runCertificatePem,
    "private_key_pem" to ::runPrivateKeyPem,
    "imap_auth" to ::runTranscript,
    "pop_auth" to ::runTranscript,
    "smtp_auth" to ::runTranscript,
)

/** The folder named by MAILOAUTH_VECTORS, else <repo>/tests/vectors (from the working dir). */
fun vectorFolder(): File =
    System.getenv("MAILOAUTH_VECTORS")?.takeIf { it.isNotEmpty() }?.let(::File) ?: File("tests/vectors")

/** Runs every vector of every `*.json` file in [dir]. */
fun runVectors(dir: File): VectorReport {
    val failures = mutableListOf<String>()
    var ran = 0
    val files = dir.listFiles { f -> f.isFile && f.name.endsWith(".json") }
        ?: return VectorReport(0, listOf("cannot read vector folder $dir"))
    for (file in files.sortedBy { it.name }) {
        val doc = try {
            JsonParser.parseString(file.readText(Charsets.UTF_8)).asJsonObject
        } catch (e: Exception) {
            failures += "${file.name}: cannot parse: ${e.message}"
            continue
        }
        if (doc.get("schema")?.takeIf { it.isJsonPrimitive }?.asString != "1") {
            failures += "${file.name}: schema is not 1"
            continue
        }
        val list = doc.get("vectors")?.takeIf { it.isJsonArray }?.asJsonArray
        if (list == null) {
            failures += "${file.name}: no \"vectors\" array"
            continue
        }
        for (el in list) {
            ran += 1
            val v = el.takeIf { it.isJsonObject }?.asJsonObject
            val name = v?.str("name") ?: "<unnamed>"
            val kind = v?.str("kind") ?: "<no kind>"
            val run = KINDS[kind]
            val problem = when {
                v == null -> "not an object"
                run == null -> "unknown vector kind \"$kind\""
                else -> try {
                    run(v)
                    null
                } catch (m: Mismatch) {
                    m.message
                } catch (e: MailoauthException) {
                    "unexpected error ${e.code}: ${e.message}"
                } catch (e: Exception) {
                    "the runner failed: $e"
                }
            }
            if (problem != null) failures += "${file.name}:$name ($kind): $problem"
        }
    }
    return VectorReport(ran, failures)
}

/** `run-vectors`: prints the failures and the summary line; exits 1 on any failure or when no vector ran. */
object VectorsMain {
    @JvmStatic
    fun main(args: Array<String>) {
        val dir = args.firstOrNull()?.let(::File) ?: vectorFolder()
        val report = runVectors(dir)
        report.failures.forEach { System.err.println("FAILED $it") }
        println(report.summary())
        exitProcess(if (report.failures.isEmpty() && report.ran > 0) 0 else 1)
    }
}
