package dev.agentplane.registry.validation;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;

/**
 * One finding of the validation pipeline.
 *
 * @param pointer RFC 6901 JSON pointer into the spec, e.g. {@code /http/url}; {@code ""} for the
 *     whole spec
 * @param code stable, documented code, e.g. {@code tool.http.placeholder-undeclared}
 * @param message what is wrong, for a human
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ValidationIssue(String pointer, String code, String message) {}
