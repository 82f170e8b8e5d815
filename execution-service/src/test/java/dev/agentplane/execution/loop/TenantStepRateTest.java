package dev.agentplane.execution.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.execution.run.QuotaSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantStepRateTest {

  private final TenantStepRate rate =
      new TenantStepRate(
          new QuotaSettings(
              1000,
              32,
              Duration.ofSeconds(5),
              16,
              24,
              Duration.ofMillis(500),
              Duration.ofSeconds(2),
              256,
              Map.of(),
              20,
              Map.of("unmetered", 0),
              0,
              Map.of()));

  @Test
  void aTenantAtItsRateWaitsForItsNextStep() {
    long started = System.nanoTime();
    // 20 a second: a burst of two (a tenth of a second's), then one every 50 ms.
    for (int i = 0; i < 12; i++) {
      rate.awaitTurn("metered");
    }

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("ten steps beyond the burst at 20 a second")
        .isGreaterThanOrEqualTo(Duration.ofMillis(450));
  }

  @Test
  void anotherTenantIsNotHeldBackAndAnOverrideOfZeroTurnsTheRateOff() {
    for (int i = 0; i < 2; i++) {
      rate.awaitTurn("busy");
    }

    long started = System.nanoTime();
    for (int i = 0; i < 2; i++) {
      rate.awaitTurn("quiet");
    }
    for (int i = 0; i < 1000; i++) {
      rate.awaitTurn("unmetered");
    }

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("the quiet tenant's burst and the unmetered tenant's thousand steps did not wait")
        .isLessThan(Duration.ofMillis(400));
  }
}
