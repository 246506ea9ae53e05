// A TCP proxy in front of the server that knows which of its connections carry an SSE stream
// (the last request on it was `GET …/sse…`) and whether they are still open.
package com.everruns.sdk.tests

import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.CopyOnWriteArrayList

class TcpProxy(private val targetPort: Int) : AutoCloseable {
    private class Conn(val client: Socket, val upstream: Socket) {
        @Volatile var open = true
        @Volatile var lastRequest = ""
        val isSse get() = lastRequest.startsWith("GET ") && "/sse" in lastRequest.substringBefore('\n')
    }

    private val listener = ServerSocket().apply { bind(InetSocketAddress("127.0.0.1", 0)) }
    private val conns = CopyOnWriteArrayList<Conn>()
    val apiUrl = "http://127.0.0.1:${listener.localPort}/api"

    init {
        Thread {
            while (!listener.isClosed) {
                val client = runCatching { listener.accept() }.getOrNull() ?: break
                val up = Socket("127.0.0.1", targetPort)
                val c = Conn(client, up)
                conns.add(c)
                pump(c, client, up, request = true)
                pump(c, up, client, request = false)
            }
        }.apply { isDaemon = true }.start()
    }

    private fun pump(c: Conn, from: Socket, to: Socket, request: Boolean) {
        Thread {
            val buf = ByteArray(16384)
            try {
                val inp = from.getInputStream()
                val out = to.getOutputStream()
                while (true) {
                    val n = inp.read(buf)
                    if (n < 0) break
                    if (request) c.lastRequest = String(buf, 0, minOf(n, 512), Charsets.ISO_8859_1)
                    out.write(buf, 0, n)
                    out.flush()
                }
            } catch (_: Exception) {
            } finally {
                c.open = false
                runCatching { from.close() }
                runCatching { to.close() }
            }
        }.apply { isDaemon = true }.start()
    }

    /** SSE connections still open. */
    fun openSse(): Int = conns.count { it.open && it.isSse }

    override fun close() {
        listener.close()
        conns.forEach { runCatching { it.client.close() }; runCatching { it.upstream.close() } }
    }
}
