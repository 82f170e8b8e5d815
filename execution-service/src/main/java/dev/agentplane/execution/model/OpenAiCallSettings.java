package dev.agentplane.execution.model;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * How the {@code openai} provider calls a model server ({@code
 * agentplane.execution.models.openai.*}).
 *
 * @param connectTimeout opening a connection to the server
 * @param responseTimeout from sending the request to the response's status and headers; a call that
 *     exceeds it is retried like a 5xx
 * @param replyTimeout from sending the request to the end of the streamed reply; a call that
 *     exceeds it fails with {@code model_timeout}, without a retry
 * @param attempts calls made for one model call when the server fails transiently (429, 5xx,
 *     timeouts, broken connections), the first included
 * @param backoffBase the wait before the first retry; it doubles for each further retry
 * @param backoffMax the longest wait between two attempts that the backoff alone produces
 * @param retryAfterCap the longest wait a server's {@code Retry-After} can ask for
 */
@ConfigurationProperties("agentplane.execution.models.openai")
public record OpenAiCallSettings(
    @Bindable(defaultValue = "10s") @NotNull Duration connectTimeout,
    @Bindable(defaultValue = "60s") @NotNull Duration responseTimeout,
    @Bindable(defaultValue = "5m") @NotNull Duration replyTimeout,
    @Bindable(defaultValue = "3") @Min(1) int attempts,
    @Bindable(defaultValue = "500ms") @NotNull Duration backoffBase,
    @Bindable(defaultValue = "10s") @NotNull Duration backoffMax,
    @Bindable(defaultValue = "30s") @NotNull Duration retryAfterCap) {

  /**
   * The wait before attempt {@code nextAttempt} (2 for the first retry): exponential, capped, and
   * half of it random so that callers refused together do not all come back together.
   */
  Duration backoffBefore(int nextAttempt, double random) {
    long doublings = Math.min(nextAttempt - 2, 30);
    long millis = Math.min(backoffBase.toMillis() << doublings, backoffMax.toMillis());
    return Duration.ofMillis(millis / 2 + (long) (random * (millis / 2.0)));
  }
}
