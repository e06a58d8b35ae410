// A small scripted IMAP server for the login tests: one connection on 127.0.0.1 (an ephemeral
// port), a fixed script, its own XOAUTH2 check (decoded independently of the binding), and a
// record of what went wrong on its side. Every read has a timeout; close() stops it.
package dev.mailoauth.test

import java.io.BufferedInputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.Base64
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference

class ScriptedImapServer(
    /** Whether the greeting carries the capabilities (else the client must ask). */
    private val capabilitiesInGreeting: Boolean,
    /** Whether SASL-IR is advertised (the response on the command line). */
    private val saslIr: Boolean,
    private val expectedUser: String,
    private val expectedToken: String,
    /** Accept the login (tagged OK) or refuse it with a JSON challenge and a NO. */
    private val accept: Boolean,
    private val timeoutMillis: Int = 10_000,
) : AutoCloseable {
    private val server = ServerSocket(0, 1, InetAddress.getLoopbackAddress())
    private val problem = AtomicReference<String?>(null)
    private val lines = mutableListOf<String>()
    private val thread = Thread({ serve() }, "scripted-imap").apply { isDaemon = true; start() }

    /** The port it listens on (127.0.0.1). */
    val port: Int get() = server.localPort

    /** The challenge sent before a refusal (RFC 7628 section 3.2.2, as Exchange/Gmail send it). */
    val challengeJson = """{"status":"401","schemes":"bearer","scope":"https://outlook.office.com/IMAP.AccessAsUser.All"}"""

    private val caps: String
        get() = "IMAP4rev1 AUTH=XOAUTH2" + if (saslIr) " SASL-IR" else ""

    private fun serve() {
        try {
            server.soTimeout = timeoutMillis
            server.accept().use { s -> script(s) }
        } catch (e: Exception) {
            problem.compareAndSet(null, "server: ${e.javaClass.simpleName}: ${e.message}")
        }
    }

    private fun script(s: Socket) {
        s.soTimeout = timeoutMillis
        val input = BufferedInputStream(s.getInputStream())
        val out = s.getOutputStream()
        fun send(line: String) {
            out.write("$line\r\n".toByteArray(Charsets.UTF_8))
            out.flush()
        }
        fun receive(): String = readLine(input).decodeToString().removeSuffix("\r\n").also { synchronized(lines) { lines += it } }

        send(if (capabilitiesInGreeting) "* OK [CAPABILITY $caps] scripted ready" else "* OK scripted ready")
        if (!capabilitiesInGreeting) {
            val cmd = receive().split(' ')
            check(cmd.size == 2 && cmd[1].equals("CAPABILITY", ignoreCase = true)) { "expected CAPABILITY, got $cmd" }
            send("* CAPABILITY $caps")
            send("${cmd[0]} OK CAPABILITY completed")
        }
        val auth = receive().split(' ')
        check(auth.size >= 3 && auth[1].equals("AUTHENTICATE", true) && auth[2] == "XOAUTH2") { "expected AUTHENTICATE XOAUTH2, got $auth" }
        val tag = auth[0]
        val b64 = if (saslIr) {
            check(auth.size == 4) { "SASL-IR offered: the response belongs on the command line" }
            auth[3]
        } else {
            check(auth.size == 3) { "no SASL-IR: the response must not be on the command line" }
            send("+ ")
            receive()
        }
        val decoded = String(Base64.getDecoder().decode(b64), Charsets.UTF_8)
        val want = "user=$expectedUser\u0001auth=Bearer $expectedToken\u0001\u0001"
        check(decoded == want) { "XOAUTH2 string differs from the spec form (user=...^Aauth=Bearer ...^A^A)" }
        if (accept) {
            send("$tag OK [CAPABILITY IMAP4rev1 IDLE] AUTHENTICATE completed.")
        } else {
            send("+ " + Base64.getEncoder().encodeToString(challengeJson.toByteArray()))
            val answer = receive()
            check(answer.isEmpty()) { "the XOAUTH2 error challenge is answered with an empty line, got \"$answer\"" }
            send("$tag NO AUTHENTICATE failed.")
        }
    }

    /** Waits for the script to finish; returns the server-side problem, if any. */
    fun finish(): String? {
        thread.join(TimeUnit.MILLISECONDS.toMillis(timeoutMillis.toLong() + 2_000))
        if (thread.isAlive) return "server: the script did not finish"
        return problem.get()
    }

    /** The lines the server received, without CR LF (they hold the token: test use only). */
    fun received(): List<String> = synchronized(lines) { lines.toList() }

    override fun close() {
        server.close()
        thread.join(2_000)
    }
}
