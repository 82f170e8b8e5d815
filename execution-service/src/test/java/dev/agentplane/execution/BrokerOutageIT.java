package dev.agentplane.execution;

import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.support.RegistryFixture;
import dev.agentplane.execution.support.RunClient;
import dev.agentplane.execution.support.SharedRegistry;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.ChildServices;
import dev.agentplane.testkit.RecordedTopic;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.ServiceSpec;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import dev.agentplane.testkit.TestTokens;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Kafka broker goes down for {@link #OUTAGE} (stopped as an operator stops it) while an
 * execution instance in a child JVM keeps taking runs: every {@code POST /v1/runs} is answered 202,
 * the runs execute (PostgreSQL is the source of truth; Kafka only carries their news), and their
 * events wait in the outbox. Once the broker is back on the same address, the relay drains the
 * backlog, and an outside consumer holds every event of every run exactly as the outbox recorded it
 * (same key, same bytes, each once), in each run's order, matching the run's own event log.
 *
 * <p>The broker is this class's own ({@link TestKafka#dedicated}), so no other test of the JVM sees
 * the outage; the registry is the shared one, reached over HTTP only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerOutageIT {

  /** How long the broker stays down: the outage issue 10 asks the platform to ride out. */
  static final Duration OUTAGE = Duration.ofSeconds(60);

  /** How often a client asks for a new run while the broker is down. */
  private static final Duration NEW_RUN_EVERY = Duration.ofSeconds(2);

  private static final Duration WITHIN = Duration.ofSeconds(120);

  @RegisterExtension static final ChildServices services = new ChildServices();

  private final TestTokens tokens = TestTokens.standard();
  private final RegistryFixture registry = new RegistryFixture();
  private TestKafka kafka;
  private TestDatabase database;
  private ServiceProcess execution;
  private RecordedTopic runEvents;

  @BeforeAll
  void startExecutionOnABrokerOfItsOwn() {
    services.watch(SharedRegistry.get());
    kafka = TestKafka.dedicated("broker-outage");
    kafka.createTopics(Topics.ALL.toArray(String[]::new));
    database = TestPostgres.get().createDatabase("broker-outage");
    execution =
        services.start(
            ServiceSpec.execution(
                    "execution",
                    database,
                    SharedRegistry.get().uri(),
                    URI.create("http://127.0.0.1:9"))
                .env("AGENTPLANE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()));
    runEvents = kafka.record(Topics.RUNS_EVENTS);
  }

  @AfterAll
  void stopConsumer() {
    runEvents.close();
  }

  @Test
  void runsAreAcceptedWhileTheBrokerIsDownAndEveryEventReachesKafkaOnceItIsBack()
      throws SQLException {
    String tenant = "t-" + UUID.randomUUID();
    registry.activeTool(tenant, "echo", ToolSpecs.echo());
    registry.activeAgent(
        tenant,
        "echoer",
        aScriptedAgent()
            .tools("echo")
            .calls("echo", "{'text': '{{input.text}}'}")
            .answers("'echoed {{tool.echo}}'")
            .build());
    String token = tokens.user(tenant, "op-" + tenant.substring(2, 10), "operator");
    RunClient client = new RunClient(execution.uri());
    ServiceApi api = new ServiceApi(execution.uri());

    // Before the outage a run's events reach Kafka: the relay and its producer know the broker.
    JsonNode before = client.start(token, echo("before"));
    assertThat(client.awaitEnd(token, before).path("status").asText()).isEqualTo("succeeded");
    awaitOnKafka(List.of(before));

    kafka.stop();
    Instant down = Instant.now();
    List<JsonNode> accepted = new ArrayList<>();
    List<Long> answeredInMillis = new ArrayList<>();
    List<OutboxRow> backlog;
    Instant up;
    try {
      // A client asks for a run every couple of seconds for as long as the broker is down.
      await("the broker to stay down for " + OUTAGE)
          .atMost(OUTAGE.plus(WITHIN))
          .pollDelay(Duration.ZERO)
          .pollInterval(NEW_RUN_EVERY)
          .until(
              () -> {
                Instant asked = Instant.now();
                Reply reply = api.post("/v1/runs", token, echo("during-" + accepted.size()));
                assertThat(reply.status()).as(reply.raw()).isEqualTo(202);
                answeredInMillis.add(Duration.between(asked, Instant.now()).toMillis());
                accepted.add(reply.body());
                return Duration.between(down, Instant.now()).compareTo(OUTAGE) >= 0;
              });
      for (JsonNode run : accepted) {
        JsonNode ended = client.awaitEnd(token, run, WITHIN);
        assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
      }
      backlog = outbox();
      assertThat(runEvents.withKeys(ids(accepted))).as("nothing reached Kafka meanwhile").isEmpty();
    } finally {
      kafka.start();
      up = Instant.now();
    }
    Duration downFor = Duration.between(down, up);

    await("the outbox to drain")
        .atMost(WITHIN)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> outbox().isEmpty());
    Duration drained = Duration.between(up, Instant.now());
    awaitOnKafka(accepted);
    Duration delivered = Duration.between(up, Instant.now());

    // Each backlog row reached Kafka once, under its key, byte for byte as the outbox held it.
    assertThat(backlog)
        .as("events of the %d runs accepted while the broker was down", accepted.size())
        .hasSizeGreaterThanOrEqualTo(accepted.size() * 5);
    List<ConsumerRecord<String, byte[]>> received = runEvents.all();
    for (OutboxRow row : backlog) {
      assertThat(
              received.stream()
                  .filter(record -> record.topic().equals(row.topic()))
                  .filter(record -> record.key().equals(row.key()))
                  .filter(record -> Arrays.equals(record.value(), row.payload())))
          .as("event %s on Kafka", row.eventId())
          .hasSize(1);
    }
    // Every run's events, on Kafka in the run's order, are its event log: nothing lost, none twice.
    List<JsonNode> all = new ArrayList<>(accepted);
    all.add(before);
    for (JsonNode run : all) {
      assertThat(dataOnKafka(run)).as("run %s", run.path("id").asText()).isEqualTo(eventLog(run));
    }
    System.out.printf(
        "BrokerOutageIT: broker down %d s; %d runs accepted meanwhile (202 in %d ms at most) and"
            + " ended; a backlog of %d events drained %d ms after the broker was back, all on the"
            + " outside consumer after %d ms%n",
        downFor.toSeconds(),
        accepted.size(),
        answeredInMillis.stream().mapToLong(Long::longValue).max().orElse(0),
        backlog.size(),
        drained.toMillis(),
        delivered.toMillis());
  }

  // ---------------------------------------------------------------------------------------------

  private static String echo(String text) {
    return "{\"agent\":\"echoer\",\"input\":{\"text\":\"" + text + "\"}}";
  }

  private static List<String> ids(List<JsonNode> runs) {
    return runs.stream().map(run -> run.path("id").asText()).toList();
  }

  /** Waits until the outside consumer holds as many events of each run as the run logged. */
  private void awaitOnKafka(List<JsonNode> runs) {
    await("every event of " + runs.size() + " runs on Kafka")
        .atMost(WITHIN)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              for (JsonNode run : runs) {
                if (runEvents.withKeys(List.of(run.path("id").asText())).size()
                    < eventLog(run).size()) {
                  return false;
                }
              }
              return true;
            });
  }

  /** The data of the run's events on Kafka, in the order the partition holds them. */
  private List<JsonNode> dataOnKafka(JsonNode run) {
    return runEvents.withKeys(List.of(run.path("id").asText())).stream()
        .map(record -> EventEnvelope.fromStructuredJson(record.value()))
        .map(BrokerOutageIT::data)
        .toList();
  }

  private static JsonNode data(CloudEvent event) {
    try {
      return ServiceApi.JSON.readTree(event.getData().toBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The run's event log ({@code run_event}, what SSE replays), in sequence order. */
  private List<JsonNode> eventLog(JsonNode run) throws SQLException {
    try (Connection connection = database.connect();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT data::text FROM execution.run_event WHERE run_id = ? ORDER BY seq")) {
      select.setObject(1, UUID.fromString(run.path("id").asText()));
      try (ResultSet rows = select.executeQuery()) {
        List<JsonNode> data = new ArrayList<>();
        while (rows.next()) {
          data.add(ServiceApi.JSON.readTree(rows.getString(1)));
        }
        return data;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private record OutboxRow(UUID eventId, String topic, String key, byte[] payload) {}

  /** The execution service's outbox: what is still to publish (it deletes what it published). */
  private List<OutboxRow> outbox() throws SQLException {
    try (Connection connection = database.connect();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT event_id, topic, message_key, payload FROM execution.outbox_event"
                    + " WHERE published_at IS NULL ORDER BY id");
        ResultSet rows = select.executeQuery()) {
      List<OutboxRow> pending = new ArrayList<>();
      while (rows.next()) {
        pending.add(
            new OutboxRow(
                rows.getObject(1, UUID.class),
                rows.getString(2),
                rows.getString(3),
                rows.getBytes(4)));
      }
      return pending;
    }
  }
}
