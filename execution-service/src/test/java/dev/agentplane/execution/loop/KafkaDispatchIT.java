package dev.agentplane.execution.loop;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Without eager start, workers are fed only by the dispatch message on {@code
 * agentplane.runs.requested}, as an instance without a free slot (or any other instance) is.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaDispatchIT extends ExecutionTestSupport {

  @Override
  protected Map<String, String> settings() {
    return Map.of(
        "agentplane.execution.workers.eager-start",
        "false",
        // The sweeper would pick the run up too; an hour keeps it out of the way.
        "agentplane.execution.workers.sweep-every",
        "1h",
        "agentplane.execution.workers.unclaimed-after",
        "1h");
  }

  @Test
  void aRunReachesAWorkerThroughItsKafkaDispatchMessage() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);

    JsonNode ended = awaitEnd(token, start(token, "{\"agent\":\"greeter\",\"input\":\"hi\"}"));

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText()).isEqualTo("hello");
  }
}
