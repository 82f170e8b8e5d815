package dev.agentplane.kit.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import java.net.URI;
import java.util.List;

/** An RFC 9457 problem details body, with the platform's extensions. */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
    URI type,
    String title,
    int status,
    String detail,
    String instance,
    String requestId,
    boolean retryable,
    List<FieldError> errors) {

  public static final String MEDIA_TYPE = "application/problem+json";
}
