package dev.agentplane.execution.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

/** How long the openai provider waits before it calls a failing server again. */
class RetryWaitsTest {

  private final OpenAiCallSettings settings =
      new OpenAiCallSettings(
          Duration.ofSeconds(10),
          Duration.ofSeconds(60),
          Duration.ofMinutes(5),
          6,
          Duration.ofMillis(500),
          Duration.ofSeconds(3),
          Duration.ofSeconds(30));

  @Test
  void theBackoffDoublesPerRetryUpToItsMaximumAndHalfOfItIsRandom() {
    assertThat(settings.backoffBefore(2, 0.0)).isEqualTo(Duration.ofMillis(250));
    assertThat(settings.backoffBefore(2, 0.999))
        .isBetween(Duration.ofMillis(499), Duration.ofMillis(500));
    assertThat(settings.backoffBefore(3, 0.0)).isEqualTo(Duration.ofMillis(500));
    assertThat(settings.backoffBefore(4, 0.0)).isEqualTo(Duration.ofMillis(1000));
    assertThat(settings.backoffBefore(5, 0.0)).isEqualTo(Duration.ofMillis(1500));
    assertThat(settings.backoffBefore(60, 0.0)).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
    String inAMinute =
        ZonedDateTime.now(ZoneOffset.UTC)
            .plusSeconds(61)
            .format(DateTimeFormatter.RFC_1123_DATE_TIME);
    String anHourAgo =
        ZonedDateTime.now(ZoneOffset.UTC)
            .minusHours(1)
            .format(DateTimeFormatter.RFC_1123_DATE_TIME);

    assertThat(AbortableHttpClient.retryAfter(" 7 ")).contains(Duration.ofSeconds(7));
    assertThat(AbortableHttpClient.retryAfter("-3")).contains(Duration.ZERO);
    assertThat(AbortableHttpClient.retryAfter(inAMinute).orElseThrow())
        .isBetween(Duration.ofSeconds(55), Duration.ofSeconds(61));
    assertThat(AbortableHttpClient.retryAfter(anHourAgo)).contains(Duration.ZERO);
    assertThat(AbortableHttpClient.retryAfter("soon")).isEmpty();
  }
}
