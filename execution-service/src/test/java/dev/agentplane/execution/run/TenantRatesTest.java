package dev.agentplane.execution.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantRatesTest {

  // Ten a second, a burst of one; "off" has no rate.
  private final TenantRates rates = new TenantRates(Map.of("ten", 10, "off", 0)::get);

  @Test
  void aCallerThatWillNotWaitGetsATurnOnlyWhileOneIsLeft() {
    assertThat(rates.awaitTurn("ten", Duration.ZERO)).as("the burst's one turn").isTrue();
    assertThat(rates.awaitTurn("ten", Duration.ZERO)).as("none left now").isFalse();
    assertThat(rates.awaitTurn("ten", Duration.ofMillis(-5))).as("a deadline passed").isFalse();
  }

  @Test
  void aCallerWaitsForATurnThatComesWithinItsWaitAndNotForOneBeyond() {
    assertThat(rates.awaitTurn("ten", Duration.ZERO)).isTrue();

    long started = System.nanoTime();
    assertThat(rates.awaitTurn("ten", Duration.ofMillis(30)))
        .as("the next turn is 100 ms away")
        .isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("refused without waiting for a turn it could not have")
        .isLessThan(Duration.ofMillis(90));
    assertThat(rates.awaitTurn("ten", Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void aTenantWithoutARateNeverWaits() {
    for (int i = 0; i < 1000; i++) {
      assertThat(rates.awaitTurn("off", Duration.ZERO)).isTrue();
    }
    assertThat(rates.perSecondOf("off")).isZero();
  }
}
