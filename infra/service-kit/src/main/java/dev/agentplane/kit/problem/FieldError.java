package dev.agentplane.kit.problem;

import io.micronaut.serde.annotation.Serdeable;

/**
 * One thing wrong with the input: where (an RFC 6901 JSON pointer into the request body, or {@code
 * #/query/name} style for parameters), a stable machine code, and a sentence for people.
 */
@Serdeable
public record FieldError(String pointer, String code, String message) {}
