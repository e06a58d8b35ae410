package dev.mailoauth.test

import org.junit.jupiter.api.Assertions

/** `assertThrows` with the exception type as a reified parameter, returning the exception. */
inline fun <reified T : Throwable> assertThrows(noinline block: () -> Any?): T =
    Assertions.assertThrows(T::class.java) { block() }
