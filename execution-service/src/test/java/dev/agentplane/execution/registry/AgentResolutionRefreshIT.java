package dev.agentplane.execution.registry;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentplane.execution.support.ExecutionTestSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A remembered answer is asked again in the background once half its ttl has passed, so a stream of
 * runs never waits for the registry once it has answered (the real registry, over HTTP).
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentResolutionRefreshIT extends ExecutionTestSupport {

  private static final Duration TTL = Duration.ofSeconds(3);
  private static final Duration EVENT_DELIVERY = Duration.ofSeconds(20);

  @Inject MeterRegistry meters;

  @Override
  protected Map<String, String> settings() {
    return Map.of("agentplane.execution.registry.resolution-cache.ttl", TTL.toString());
  }

  @Test
  void aStreamOfRunsLongerThanTheTtlNeverWaitsForTheRegistryAgain() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);
    untilRemembered(token);
    double askedBefore = count("asked");
    double refreshedBefore = count("refreshed");

    // Runs back to back for three ttls: each answer would have lapsed twice without a refresh.
    long until = System.nanoTime() + TTL.multipliedBy(3).toNanos();
    int runs = 0;
    while (System.nanoTime() - until < 0) {
      awaitEnd(token, start(token, "{\"agent\":\"greeter\",\"input\":{}}"));
      runs++;
    }

    assertThat(runs).isGreaterThan(3);
    assertThat(count("asked") - askedBefore).isZero();
    assertThat(count("refreshed") - refreshedBefore).isGreaterThanOrEqualTo(2);
  }

  private void untilRemembered(String token) {
    await("a run resolved from memory")
        .atMost(EVENT_DELIVERY)
        .until(
            () -> {
              double before = count("remembered");
              awaitEnd(token, start(token, "{\"agent\":\"greeter\",\"input\":{}}"));
              return count("remembered") > before;
            });
  }

  private double count(String answer) {
    var counter = meters.find(AgentResolutions.METRIC).tag("answer", answer).counter();
    return counter == null ? 0 : counter.count();
  }
}
