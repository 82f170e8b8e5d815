package dev.agentplane.execution.model;

import dev.langchain4j.exception.HttpException;
import java.time.Duration;
import java.util.Optional;

/**
 * A model server's non-2xx answer, kept with the wait it asked for. It extends LangChain4j's {@link
 * HttpException} so that LangChain4j maps it as it maps its own, and travels to the retry as their
 * cause.
 */
final class ModelServerRefusal extends HttpException {

  private final Duration retryAfter;

  ModelServerRefusal(int statusCode, String body, Optional<Duration> retryAfter) {
    super(statusCode, body);
    this.retryAfter = retryAfter.orElse(null);
  }

  /** The server's {@code Retry-After}, when it sent one that could be read. */
  Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** 408, 429 and 5xx may pass by themselves; any other refusal would be repeated as it is. */
  static boolean isTransient(int status) {
    return status == 408 || status == 429 || status >= 500;
  }
}
