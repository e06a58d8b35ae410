package dev.mailoauth.test

import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The shared vectors through the Kotlin binding, as a JUnit test (run-vectors runs the main). */
class VectorsTest {
    @Test
    fun `every vector passes through the Kotlin binding`() {
        val report = runVectors(vectorFolder())
        report.failures.forEach { System.err.println("FAILED $it") }
        println(report.summary())
        assertTrue(report.ran > 0, "no vector ran from ${vectorFolder()}")
        assertTrue(report.failures.isEmpty(), report.failures.joinToString("\n"))
    }

    @Test
    fun `an unknown kind fails and a bad file is reported`() {
        val dir = kotlin.io.path.createTempDirectory("mailoauth-vectors").toFile()
        try {
            dir.resolve("a.json").writeText("""{"schema": 1, "vectors": [{"kind": "no_such_kind", "name": "x", "input": {}, "expect": {}}]}""")
            dir.resolve("b.json").writeText("{not json")
            val report = runVectors(dir)
            assertTrue(report.ran == 1, report.summary())
            assertTrue(report.failures.size == 2, report.failures.toString())
            assertTrue(report.failures.any { it.startsWith("a.json:x (no_such_kind): unknown vector kind") }, report.failures.toString())
            assertTrue(report.failures.any { it.startsWith("b.json: cannot parse") }, report.failures.toString())
        } finally {
            dir.deleteRecursively()
        }
    }
}
