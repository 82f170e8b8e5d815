package dev.agentplane.execution.loop;

import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.ToolSpecs;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A tenant's steps per second: a run of a tenant at its rate waits before each next step, on the
 * real loop, database and broker; the rate is the tenant's own.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantStepRateIT extends ExecutionTestSupport {

  // Five steps a second, a burst of one: seven steps take at least 6 / 5 s.
  private static final String METERED = newTenant();
  private static final Duration SEVEN_STEPS_AT_FIVE_A_SECOND = Duration.ofMillis(1200);

  @Override
  protected Map<String, String> settings() {
    return Map.of("agentplane.execution.quotas.steps-per-second-of." + METERED, "5");
  }

  @Test
  void aRunOfATenantAtItsStepRateTakesItsStepsNoFasterThanTheRate() {
    // A real rate: without it, seven steps of the builtin model take a few tens of milliseconds.
    String unmetered = newTenant();
    for (String tenant : new String[] {METERED, unmetered}) {
      registry.activeTool(tenant, "calc", ToolSpecs.calculator());
      registry.activeAgent(tenant, "counter", sevenSteps());
    }

    JsonNode metered = run(METERED);
    JsonNode free = run(unmetered);

    assertThat(metered.path("steps").asInt()).isEqualTo(7);
    assertThat(duration(metered))
        .as("seven steps at five a second")
        .isGreaterThanOrEqualTo(SEVEN_STEPS_AT_FIVE_A_SECOND.minusMillis(50));
    // The other tenant, at the default 100 a second, ran beside it (how fast is left to the unit
    // test: a loaded machine may take a second for seven steps of its own).
    assertThat(free.path("steps").asInt()).isEqualTo(7);
  }

  private JsonNode run(String tenant) {
    String token = operator(tenant);
    JsonNode ended = awaitEnd(token, start(token, "{\"agent\":\"counter\",\"input\":\"go\"}"));
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    return ended;
  }

  private static Duration duration(JsonNode run) {
    return Duration.between(
        Instant.parse(run.path("startedAt").asText()),
        Instant.parse(run.path("finishedAt").asText()));
  }

  private static JsonNode sevenSteps() {
    return aScriptedAgent()
        .tools("calc")
        .calls("calc", "{'expression':'1+1'}")
        .calls("calc", "{'expression':'2+2'}")
        .calls("calc", "{'expression':'3+3'}")
        .answers("'Counted to {{last}}'")
        .build();
  }
}
