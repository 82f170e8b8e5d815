package dev.agentplane.kit.problem;

import io.micronaut.http.HttpStatus;
import java.net.URI;

/**
 * The one table of problems every service answers with: a stable {@code type} URI, the HTTP status,
 * a short title, and whether the client may retry the same request unchanged.
 */
public enum ProblemType {
  MALFORMED_REQUEST("malformed-request", HttpStatus.BAD_REQUEST, "The request is malformed", false),
  INVALID_REQUEST("invalid-request", HttpStatus.BAD_REQUEST, "The request is not valid", false),
  UNAUTHORIZED("unauthorized", HttpStatus.UNAUTHORIZED, "Authentication required", false),
  FORBIDDEN("forbidden", HttpStatus.FORBIDDEN, "Not allowed", false),
  NOT_FOUND("not-found", HttpStatus.NOT_FOUND, "Not found", false),
  METHOD_NOT_ALLOWED(
      "method-not-allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed", false),
  NOT_ACCEPTABLE("not-acceptable", HttpStatus.NOT_ACCEPTABLE, "Not acceptable", false),
  CONFLICT("conflict", HttpStatus.CONFLICT, "Conflict with the current state", false),
  PRECONDITION_FAILED(
      "precondition-failed", HttpStatus.PRECONDITION_FAILED, "Precondition failed", false),
  PRECONDITION_REQUIRED(
      "precondition-required", HttpStatus.PRECONDITION_REQUIRED, "Precondition required", false),
  PAYLOAD_TOO_LARGE(
      "payload-too-large", HttpStatus.REQUEST_ENTITY_TOO_LARGE, "Request body too large", false),
  UNSUPPORTED_MEDIA_TYPE(
      "unsupported-media-type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", false),
  VALIDATION_FAILED(
      "validation-failed", HttpStatus.UNPROCESSABLE_ENTITY, "Validation failed", false),
  RATE_LIMITED("rate-limited", HttpStatus.TOO_MANY_REQUESTS, "Too many requests", true),
  INTERNAL_ERROR("internal-error", HttpStatus.INTERNAL_SERVER_ERROR, "Internal error", true),
  BAD_GATEWAY("bad-gateway", HttpStatus.BAD_GATEWAY, "Upstream failure", true),
  SERVICE_UNAVAILABLE(
      "service-unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable", true),
  GATEWAY_TIMEOUT("gateway-timeout", HttpStatus.GATEWAY_TIMEOUT, "Upstream timeout", true);

  /** Prefix of every problem {@code type} URI; the slug after it never changes once published. */
  public static final String TYPE_BASE = "https://agentplane.dev/problems/";

  private final String slug;
  private final HttpStatus status;
  private final String title;
  private final boolean retryable;

  ProblemType(String slug, HttpStatus status, String title, boolean retryable) {
    this.slug = slug;
    this.status = status;
    this.title = title;
    this.retryable = retryable;
  }

  public URI uri() {
    return URI.create(TYPE_BASE + slug);
  }

  public String slug() {
    return slug;
  }

  public HttpStatus status() {
    return status;
  }

  public String title() {
    return title;
  }

  public boolean retryable() {
    return retryable;
  }

  /** The problem a status means when no exception said more (framework errors, proxies). */
  public static ProblemType forStatus(int code) {
    for (ProblemType type : values()) {
      if (type.status.getCode() == code && type != MALFORMED_REQUEST) {
        return type;
      }
    }
    if (code == HttpStatus.BAD_REQUEST.getCode()) {
      return INVALID_REQUEST;
    }
    return code >= 500 ? INTERNAL_ERROR : INVALID_REQUEST;
  }
}
