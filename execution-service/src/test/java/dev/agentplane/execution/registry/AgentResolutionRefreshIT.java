package dev.agentplane.execution.registry;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
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
class AgentResolutionRefreshIT extends AgentResolutionsTestSupport {

  // Runs must keep coming in the second half of each ttl, and a refresh answer before its end,
  // however slow a loaded machine: the halves are seconds long.
  private static final Duration TTL = Duration.ofSeconds(6);

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
    double askedBefore = resolutions("asked");
    double refreshedBefore = resolutions("refreshed");

    // Runs back to back for two ttls: the first answer would have lapsed, and its refreshed one
    // too,
    // without a refresh each.
    long until = System.nanoTime() + TTL.multipliedBy(2).toNanos();
    int runs = 0;
    while (System.nanoTime() - until < 0) {
      awaitEnd(token, start(token, GREETER_RUN));
      runs++;
    }

    assertThat(runs).isGreaterThan(3);
    assertThat(resolutions("asked") - askedBefore).isZero();
    assertThat(resolutions("refreshed") - refreshedBefore).isGreaterThanOrEqualTo(2);
  }
}
