package dev.agentplane.execution.registry;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentplane.execution.support.SharedRegistry;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A background refresh the registry cannot answer drops the answer at once, rather than serving it
 * until its ttl ends: the next run asks and hears the outage (the real registry process, stopped
 * and started again). The ttl is long here, so that an answer kept after the failed refresh would
 * keep runs going for another ten seconds.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentResolutionOutageIT extends AgentResolutionsTestSupport {

  private static final Duration TTL = Duration.ofSeconds(20);

  @Override
  protected Map<String, String> settings() {
    return Map.of("agentplane.execution.registry.resolution-cache.ttl", TTL.toString());
  }

  @Test
  void aRefreshDuringARegistryOutageDropsTheAnswerAndTheNextRunHearsTheOutage() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);
    untilRemembered(token);
    double refreshedBefore = resolutions("refreshed");

    SharedRegistry.get().stop();
    try {
      await("a background refresh while the registry is down")
          .atMost(TTL)
          .until(
              () -> {
                // Read first: a refresh this run sets off may drop the answer before the count
                // is read again, and only runs before any refresh are sure to be served.
                boolean refreshing = resolutions("refreshed") > refreshedBefore;
                if (!refreshing) {
                  assertThat(startGreeter(token).status()).isEqualTo(202);
                }
                return refreshing;
              });

      // Kept, the answer would serve runs for about half the ttl more.
      Reply refused =
          await("a run refused for the outage")
              .atMost(TTL.dividedBy(4))
              .until(() -> startGreeter(token), reply -> reply.status() != 202);
      assertThat(refused.status()).as(refused.raw()).isEqualTo(503);
      assertThat(refused.body().path("type").asText()).endsWith("registry-unavailable");
    } finally {
      SharedRegistry.get().ensureRunning();
    }

    double askedBefore = resolutions("asked");
    assertThat(startGreeter(token).status()).isEqualTo(202);
    assertThat(resolutions("asked") - askedBefore).isEqualTo(1);
  }

  private Reply startGreeter(String token) {
    return api().post("/v1/runs", token, GREETER_RUN);
  }
}
