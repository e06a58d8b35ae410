// An IMAP XOAUTH2 / OAUTHBEARER login over java.net.Socket, driven by the binding's ImapAuth
// state machine: the I/O is here, every protocol decision (greeting, CAPABILITY, AUTHENTICATE,
// the error challenge, the diagnosis) is the core's.
//
// Reusable against any server: `imapLogin(...)` from a test, or `ImapLoginMain` from the command
// line (bindings-uniffi/kotlin/imap-login) configured by environment variables, e.g. against the
// Dovecot stack of tests/e2e.
package dev.mailoauth.test

import dev.mailoauth.*
import java.io.BufferedInputStream
import java.io.ByteArrayOutputStream
import java.io.IOException
import java.io.InputStream
import java.io.OutputStream
import java.net.InetSocketAddress
import java.net.Socket
import javax.net.ssl.SSLSocketFactory
import kotlin.system.exitProcess

/** The longest server line read (the core refuses longer ones too). */
const val MAX_LINE = 64 * 1024

/** Where and as whom to log in. */
data class ImapLoginConfig(
    val host: String,
    val port: Int,
    val user: String,
    val token: String,
    val mechanism: Mechanism = Mechanism.XOAUTH2,
    /** Implicit TLS (port 993) with the JVM's default trust store. */
    val tls: Boolean = false,
    /** Connect and read timeout. */
    val timeoutMillis: Int = 10_000,
    val tag: String = "A1",
    /** Local (source) address to connect from, e.g. a distinct 127.x.y.z per test; null = any. */
    val bindAddress: String? = null,
) {
    override fun toString(): String =
        "ImapLoginConfig(host=$host, port=$port, user=$user, token=[redacted], mechanism=$mechanism, tls=$tls" +
            (bindAddress?.let { ", bind=$it" } ?: "") + ")"
}

/** What a login produced: the outcome and the capabilities the exchange started from. */
data class ImapLoginResult(val outcome: AuthOutcome, val capabilities: List<String>)

/** Reads one line (through LF) with a length limit; EOF before a line is an IOException. */
fun readLine(input: InputStream): ByteArray {
    val buf = ByteArrayOutputStream()
    while (true) {
        val b = input.read()
        if (b < 0) throw IOException("the server closed the connection" + if (buf.size() > 0) " mid-line" else "")
        buf.write(b)
        if (b == '\n'.code) return buf.toByteArray()
        if (buf.size() > MAX_LINE) throw IOException("server line longer than $MAX_LINE bytes")
    }
}

/**
 * Connects, reads the greeting, asks for CAPABILITY when the greeting has none, then runs the
 * AUTHENTICATE exchange. Every read has the configured timeout (SocketTimeoutException).
 */
fun imapLogin(cfg: ImapLoginConfig): ImapLoginResult {
    val socket = if (cfg.tls) SSLSocketFactory.getDefault().createSocket() else Socket()
    return socket.use { s ->
        cfg.bindAddress?.let { s.bind(InetSocketAddress(it, 0)) }
        s.connect(InetSocketAddress(cfg.host, cfg.port), cfg.timeoutMillis)
        s.soTimeout = cfg.timeoutMillis
        val input = BufferedInputStream(s.getInputStream())
        val output = s.getOutputStream()
        val greeting = imapParseGreeting(readLine(input).decodeToString())
        if (greeting.status != ImapGreetingStatus.OK) {
            throw IOException("the server greeted with ${greeting.status}: ${greeting.text}")
        }
        var capabilities = greeting.capabilities
        if (capabilities == null) {
            val capTag = "C1"
            output.write(imapCapabilityCommand(capTag))
            output.flush()
            while (true) {
                when (val r = imapParseResponse(readLine(input).decodeToString())) {
                    is ImapResponse.Untagged -> r.capabilities?.let { capabilities = it }
                    is ImapResponse.Tagged -> if (r.tag == capTag) {
                        if (r.status != ImapStatus.OK) throw IOException("CAPABILITY failed: ${r.text}")
                        r.capabilities?.let { capabilities = it }
                        break
                    }
                    is ImapResponse.Continuation -> throw IOException("unexpected continuation after CAPABILITY")
                }
            }
        }
        val caps = capabilities ?: throw IOException("the server sent no capabilities")
        val useHostPort = cfg.mechanism == Mechanism.OAUTHBEARER
        ImapAuth(
            mechanism = cfg.mechanism,
            user = cfg.user,
            token = cfg.token,
            tag = cfg.tag,
            capabilities = caps,
            host = if (useHostPort) cfg.host else null,
            port = if (useHostPort) cfg.port.toUShort() else null,
        ).use { auth -> ImapLoginResult(authenticate(input, output, auth), caps) }
    }
}

/** Runs the AUTHENTICATE exchange on a connected socket's streams (the README's snippet). */
fun authenticate(input: InputStream, output: OutputStream, auth: ImapAuth): AuthOutcome {
    while (true) {
        when (val a = auth.nextAction()) {
            is MailAction.Send -> { output.write(a.data); output.flush() }
            // A server that breaks the protocol ends the machine: the next action is Done(Failed).
            is MailAction.NeedLine -> auth.receiveLine(readLine(input))
            is MailAction.Done -> return a.outcome // Authenticated, Rejected(rejection.diagnosis), Failed(error)
        }
    }
}

/** One line describing an outcome, without any secret. */
fun describe(o: AuthOutcome): String = when (o) {
    is AuthOutcome.Authenticated -> "authenticated: ${o.authenticated.serverText}"
    is AuthOutcome.Rejected -> buildString {
        append("rejected: ${o.rejection.status} ${o.rejection.serverText}")
        o.rejection.saslError?.let { append(" (sasl status=${it.status}, scope=${it.scope})") }
        o.rejection.diagnosis?.let { append("\n  diagnosis ${it.code}: ${it.cause}\n  fix: ${it.fix}") }
    }
    is AuthOutcome.Failed -> "error ${o.error.code}: ${o.error.message}"
}

/**
 * `imap-login`: MAILOAUTH_IMAP_HOST (127.0.0.1), MAILOAUTH_IMAP_PORT (required),
 * MAILOAUTH_IMAP_USER, MAILOAUTH_IMAP_TOKEN (required), MAILOAUTH_IMAP_MECHANISM (XOAUTH2),
 * MAILOAUTH_IMAP_TLS (1 for implicit TLS), MAILOAUTH_TIMEOUT_MS (10000), MAILOAUTH_IMAP_BIND
 * (source address, e.g. 127.0.0.2; unset = any).
 * Exit 0 authenticated, 1 rejected, 2 error or bad configuration.
 */
object ImapLoginMain {
    @JvmStatic
    fun main(args: Array<String>) {
        fun env(name: String): String? = System.getenv(name)?.takeIf { it.isNotEmpty() }
        fun required(name: String): String = env(name) ?: run {
            System.err.println("imap-login: set $name")
            exitProcess(2)
        }
        val cfg = try {
            ImapLoginConfig(
                host = env("MAILOAUTH_IMAP_HOST") ?: "127.0.0.1",
                port = required("MAILOAUTH_IMAP_PORT").toInt(),
                user = required("MAILOAUTH_IMAP_USER"),
                token = required("MAILOAUTH_IMAP_TOKEN"),
                mechanism = mechanismFromName(env("MAILOAUTH_IMAP_MECHANISM") ?: "XOAUTH2"),
                tls = env("MAILOAUTH_IMAP_TLS") == "1",
                timeoutMillis = (env("MAILOAUTH_TIMEOUT_MS") ?: "10000").toInt(),
                bindAddress = env("MAILOAUTH_IMAP_BIND"),
            )
        } catch (e: Exception) {
            System.err.println("imap-login: bad configuration: ${e.message}")
            exitProcess(2)
        }
        val result = try {
            imapLogin(cfg)
        } catch (e: Exception) {
            System.err.println("imap-login: $cfg: ${e.javaClass.simpleName}: ${e.message}")
            exitProcess(2)
        }
        println("imap-login ${cfg.user}@${cfg.host}:${cfg.port} ${describe(result.outcome)}")
        exitProcess(
            when (result.outcome) {
                is AuthOutcome.Authenticated -> 0
                is AuthOutcome.Rejected -> 1
                is AuthOutcome.Failed -> 2
            },
        )
    }
}
