package dev.agentplane.execution.loop;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.kit.tenancy.TenantScope;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A run this instance starts itself gets no dispatch message on {@code agentplane.runs.requested};
 * one it has no free slot for gets one, so that any instance may take it. One worker slot here, so
 * that a napping run fills it.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EagerStartIT extends ExecutionTestSupport {

  @Inject JdbcOperations jdbc;
  @Inject TransactionOperations<Connection> transactions;
  @Inject RunWorkers workers;

  @Override
  protected Map<String, String> settings() {
    // Execution's relay deletes a row once published (retention 0s), within milliseconds of its
    // commit; kept, the rows show which runs got a dispatch message whatever the relay's pace.
    return Map.of(
        "agentplane.execution.workers.concurrency", "1", "agentplane.outbox.retention", "1h");
  }

  @Test
  void aRunStartedHereIsNotSentThroughKafka() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);
    await().atMost(Duration.ofSeconds(20)).until(workers::startsHere);

    JsonNode ended = awaitEnd(token, start(token, "{\"agent\":\"greeter\",\"input\":\"hi\"}"));

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(dispatchMessages(tenant, ended.path("id").asText())).isZero();
  }

  @Test
  void aRunThisInstanceHasNoSlotForIsSentThroughKafkaAndStillRuns() {
    String tenant = newTenant();
    // The nap must outlast the greeter's intake, which asks the registry for "greeter" before it
    // looks for a free slot: had the napper ended by then, the greeter would start here unsent.
    registry.activeNapper(tenant, Duration.ofSeconds(5));
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);
    await().atMost(Duration.ofSeconds(20)).until(workers::startsHere);
    JsonNode napping = start(token, "{\"agent\":\"napper\",\"input\":{}}");
    await().atMost(Duration.ofSeconds(20)).until(() -> !workers.startsHere());

    JsonNode waiting = start(token, "{\"agent\":\"greeter\",\"input\":\"hi\"}");

    assertThat(dispatchMessages(tenant, waiting.path("id").asText())).isOne();
    assertThat(awaitEnd(token, waiting).path("status").asText()).isEqualTo("succeeded");
    assertThat(awaitEnd(token, napping).path("status").asText()).isEqualTo("succeeded");
  }

  private long dispatchMessages(String tenant, String runId) {
    return TenantScope.call(
        tenant,
        () ->
            transactions.executeRead(
                status ->
                    jdbc.prepareStatement(
                        "SELECT count(*) FROM outbox_event WHERE topic = ? AND message_key = ?",
                        statement -> {
                          statement.setString(1, Topics.RUNS_REQUESTED);
                          statement.setString(2, runId);
                          try (var rows = statement.executeQuery()) {
                            rows.next();
                            return rows.getLong(1);
                          }
                        })));
  }
}
