// Sends the core's HttpRequest with java.net.HttpURLConnection and hands back an HttpResponse:
// the whole HTTP "driver" an app needs (OkHttp works the same way). Used by the device-flow test
// and shown in the README.
package dev.mailoauth.test

import dev.mailoauth.HttpHeader
import dev.mailoauth.HttpMethod
import dev.mailoauth.HttpRequest
import dev.mailoauth.HttpResponse
import java.net.HttpURLConnection
import java.net.URI

/** Sends [req] with connect and read timeouts; HTTP errors come back as responses, not exceptions. */
fun send(req: HttpRequest, timeoutMillis: Int = 30_000): HttpResponse {
    val c = URI(req.url).toURL().openConnection() as HttpURLConnection
    try {
        c.requestMethod = if (req.method == HttpMethod.POST) "POST" else "GET"
        c.connectTimeout = timeoutMillis
        c.readTimeout = timeoutMillis
        c.instanceFollowRedirects = false
        req.headers.forEach { c.addRequestProperty(it.name, it.value) }
        if (req.body.isNotEmpty()) {
            c.doOutput = true
            c.outputStream.use { it.write(req.body) }
        }
        val status = c.responseCode
        val body = (if (status >= 400) c.errorStream else c.inputStream)?.use { it.readBytes() } ?: ByteArray(0)
        val headers = c.headerFields.filterKeys { it != null }.flatMap { (k, vs) -> vs.map { HttpHeader(k, it) } }
        return HttpResponse(status.toUShort(), headers, body)
    } finally {
        c.disconnect()
    }
}

/** Unix seconds now (the core never reads a clock). */
fun nowSeconds(): ULong = (System.currentTimeMillis() / 1000).toULong()
