package dev.agentplane.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The access log's latencies: milliseconds with two decimals, rounded half up. */
class AccessLogMillisTest {

  @Test
  void nanosecondsPrintAsMillisecondsWithTwoDecimals() {
    assertThat(TelemetryFilter.millis(0)).isEqualTo("0.00");
    assertThat(TelemetryFilter.millis(1_200_000)).isEqualTo("1.20");
    assertThat(TelemetryFilter.millis(4_999)).isEqualTo("0.00");
    assertThat(TelemetryFilter.millis(5_000)).isEqualTo("0.01");
    assertThat(TelemetryFilter.millis(90_000)).isEqualTo("0.09");
    assertThat(TelemetryFilter.millis(1_234_567_890)).isEqualTo("1234.57");
  }
}
