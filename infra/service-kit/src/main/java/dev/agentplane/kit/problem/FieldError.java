package dev.agentplane.kit.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;

/**
 * One thing wrong with the input: where (an RFC 6901 JSON pointer into the request body, {@code
 * /name} for a query parameter, {@code ""} for the whole body), a stable machine code, and a
 * sentence for people.
 */
@Serdeable
// Always written, even "": a pointer to the whole body is still a pointer.
@JsonInclude(JsonInclude.Include.ALWAYS)
public record FieldError(String pointer, String code, String message) {}
