package dev.agentplane.execution.registry;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static dev.agentplane.execution.support.AgentSpecs.sleepingThenAnswering;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ToolSpecs;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Intake asks the registry once for a stream of runs of one agent, and the registry's lifecycle
 * events (heard over the real Kafka) make it ask again after a promotion or an archiving. The ttl
 * is an hour here, so that only the events can explain a changed answer.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentResolutionsIT extends AgentResolutionsTestSupport {

  @Override
  protected Map<String, String> settings() {
    return Map.of("agentplane.execution.registry.resolution-cache.ttl", "1h");
  }

  @Test
  void runsOfTheSameAgentAreResolvedFromMemoryOnceTheRegistryAnswered() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);
    untilRemembered(token);
    double askedBefore = resolutions("asked");
    double rememberedBefore = resolutions("remembered");

    for (int i = 0; i < 3; i++) {
      JsonNode ended = awaitEnd(token, start(token, GREETER_RUN));
      assertThat(ended.path("output").asText()).isEqualTo("hello");
    }

    assertThat(resolutions("asked") - askedBefore).isZero();
    assertThat(resolutions("remembered") - rememberedBefore).isEqualTo(3);
  }

  @Test
  void aPromotionReachesTheNextRunsThroughItsLifecycleEvent() {
    String tenant = newTenant();
    UUID agentId = registry.activeAgent(tenant, "greeter", answering("one"));
    String token = operator(tenant);
    // Version 1 in memory once the listener is assigned: only the promotion's event can change it.
    untilRemembered(token);
    assertThat(versionRun(token)).isEqualTo(1);

    registry.promoteAgent(
        tenant, agentId, registry.newAgentDraft(tenant, agentId, answering("two")));

    await("version 2 to be what new runs resolve to")
        .atMost(EVENT_DELIVERY)
        .until(() -> versionRun(token) == 2);
    JsonNode ended = awaitEnd(token, start(token, GREETER_RUN));
    assertThat(ended.path("output").asText()).isEqualTo("two");
  }

  @Test
  void archivingAToolTheAgentRunsStopsNewRunsOfIt() {
    String tenant = newTenant();
    UUID tool = registry.activeTool(tenant, "sleep", ToolSpecs.sleep());
    registry.activeAgent(tenant, "napper", sleepingThenAnswering(1, "rested"));
    String token = operator(tenant);
    // The listener hears only what is published once it is assigned.
    awaitLifecycleEventsApplied();
    JsonNode rested = awaitEnd(token, start(token, "{\"agent\":\"napper\",\"input\":{}}"));
    assertThat(rested.path("output").asText()).isEqualTo("rested");

    registry.archiveTool(tenant, tool);

    await("the archived tool to make the agent unrunnable")
        .atMost(EVENT_DELIVERY)
        .until(
            () ->
                api().post("/v1/runs", token, "{\"agent\":\"napper\",\"input\":{}}").status()
                    == 409);
  }

  @Test
  void oneTenantsChangeLeavesAnotherTenantsAnswersRemembered() {
    String quiet = newTenant();
    String busy = newTenant();
    registry.activeAgent(quiet, "greeter", answering("hello"));
    UUID busyAgent = registry.activeAgent(busy, "greeter", answering("one"));
    String quietToken = operator(quiet);
    String busyToken = operator(busy);
    untilRemembered(quietToken);
    // Version 1 remembered for the busy tenant too: version 2 then shows its event was applied.
    untilRemembered(busyToken);
    registry.promoteAgent(
        busy, busyAgent, registry.newAgentDraft(busy, busyAgent, answering("two")));
    await().atMost(EVENT_DELIVERY).until(() -> versionRun(busyToken) == 2);
    double askedBefore = resolutions("asked");

    awaitEnd(quietToken, start(quietToken, GREETER_RUN));

    assertThat(resolutions("asked") - askedBefore).isZero();
  }

  /** The version a new run of {@code greeter} is accepted with. */
  private int versionRun(String token) {
    JsonNode run = start(token, GREETER_RUN);
    awaitEnd(token, run);
    return run.path("agent").path("version").asInt();
  }
}
