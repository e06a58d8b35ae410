package dev.mailoauth.test

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import dev.mailoauth.*
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.URLDecoder
import java.util.Collections

/**
 * The device-code flow over real HTTP (HttpURLConnection) against a scripted token endpoint on
 * 127.0.0.1: device authorization, one `authorization_pending`, then tokens.
 */
@Timeout(60)
class DeviceFlowTest {
    private val clientId = "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
    private val seen: MutableList<Map<String, String>> = Collections.synchronizedList(mutableListOf())

    private fun form(ex: HttpExchange): Map<String, String> =
        ex.requestBody.readBytes().decodeToString().split('&').filter { it.isNotEmpty() }.associate {
            URLDecoder.decode(it.substringBefore('='), Charsets.UTF_8) to URLDecoder.decode(it.substringAfter('='), Charsets.UTF_8)
        }

    private fun reply(ex: HttpExchange, status: Int, json: String) {
        val bytes = json.toByteArray()
        ex.responseHeaders.add("Content-Type", "application/json")
        ex.sendResponseHeaders(status, bytes.size.toLong())
        ex.responseBody.use { it.write(bytes) }
    }

    @Test
    fun `device code flow with HttpURLConnection and the DevicePoller`() {
        val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
        var polls = 0
        server.createContext("/devicecode") { ex ->
            seen += form(ex)
            reply(ex, 200, """{"device_code":"dc-secret","user_code":"WDJB-MJHT","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":1,"message":"To sign in, enter WDJB-MJHT"}""")
        }
        server.createContext("/token") { ex ->
            seen += form(ex)
            polls += 1
            if (polls == 1) {
                reply(ex, 400, """{"error":"authorization_pending","error_description":"AADSTS70016: pending"}""")
            } else {
                reply(ex, 200, """{"access_token":"at-device","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-device","scope":"https://outlook.office.com/IMAP.AccessAsUser.All offline_access"}""")
            }
        }
        server.start()
        try {
            val base = "http://127.0.0.1:${server.address.port}"
            val ep = endpointsCustom(tokenUrl = "$base/token", deviceAuthorizationUrl = "$base/devicecode")
            val scopes = cloudPreset(CloudId.GLOBAL).delegatedScopes(listOf(Protocol.IMAP), true)
            val da = parseDeviceAuthorizationResponse(send(buildDeviceAuthorizationRequest(ep.deviceAuthorizationUrl, clientId, scopes)), nowSeconds())
            assertEquals("WDJB-MJHT", da.userCode)
            var outcome: DeviceOutcome? = null
            DevicePoller(ep.tokenUrl, clientId, da, nowSeconds()).use { p ->
                while (outcome == null) {
                    when (val a = p.nextAction(nowSeconds())) {
                        is DeviceAction.PollAt -> {
                            val t = nowSeconds()
                            if (a.at > t) Thread.sleep(((a.at - t).toLong()) * 1000)
                        }
                        is DeviceAction.Send -> try {
                            p.receiveResponse(send(a.request, 5_000), nowSeconds())
                        } catch (e: java.io.IOException) {
                            p.networkFailed(nowSeconds())
                        }
                        is DeviceAction.Done -> outcome = a.outcome
                    }
                }
            }
            val tokens = assertInstanceOf(DeviceOutcome.Token::class.java, outcome).token
            assertEquals("at-device", tokens.accessToken)
            assertEquals("rt-device", tokens.refreshToken)
            assertEquals(2, polls)
            assertEquals(clientId, seen[0]["client_id"])
            assertEquals(scopes.joinToString(" "), seen[0]["scope"])
            assertEquals("urn:ietf:params:oauth:grant-type:device_code", seen[1]["grant_type"])
            assertEquals("dc-secret", seen[1]["device_code"])
            assertTrue(!tokens.toString().contains("at-device"), tokens.toString())
        } finally {
            server.stop(0)
        }
    }
}
