package dev.agentplane.execution.run;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.RunMode;
import dev.agentplane.contracts.RunRequested;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.testkit.TestKafka;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Runs requested by CloudEvents on {@code agentplane.runs.requested}, as an external producer sends
 * them: what runs, what is dead-lettered and why, and that the consumer never stalls.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaIntakeIT extends ExecutionTestSupport {

  private static final String DLQ = Topics.deadLetter(Topics.RUNS_REQUESTED);
  private static final URI SOURCE = URI.create("/tests/external-producer");
  // A tenant accepting one run a second over HTTP: its Kafka requests are not metered by it.
  private static final String ONE_RUN_A_SECOND = newTenant();

  private KafkaProducer<String, byte[]> producer;
  private KafkaConsumer<String, byte[]> deadLetterReader;
  private final List<ConsumerRecord<String, byte[]>> deadLetters = new ArrayList<>();

  @Override
  protected Map<String, String> settings() {
    return Map.of("agentplane.execution.quotas.runs-per-second-of." + ONE_RUN_A_SECOND, "1");
  }

  @BeforeAll
  void connect() {
    TestKafka.get().createTopics(DLQ);
    producer = TestKafka.get().newProducer();
    deadLetterReader = TestKafka.get().newConsumer();
    List<TopicPartition> partitions =
        deadLetterReader.partitionsFor(DLQ).stream()
            .map(info -> new TopicPartition(DLQ, info.partition()))
            .toList();
    deadLetterReader.assign(partitions);
    deadLetterReader.seekToBeginning(partitions);
  }

  @AfterAll
  void disconnect() {
    producer.close();
    deadLetterReader.close();
  }

  @Test
  void aWellFormedRequestStartsARunThatSucceeds() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello from kafka"));
    RunRequested request = request(tenant, "greeter", new TextNode("hi"), "operator");

    send(EventEnvelope.toKafkaRecord(request, SOURCE, null));

    JsonNode run = awaitOnlyRun(tenant);
    JsonNode ended = awaitEnd(admin(tenant), run);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText()).isEqualTo("hello from kafka");
    assertThat(ended.path("input").asText()).isEqualTo("hi");
    assertThat(ended.path("createdBy").asText()).isEqualTo("kafka-user");
    assertThat(ended.path("mode").asText()).isEqualTo("production");
    assertThat(ended.path("metadata").path("origin").asText()).isEqualTo("kafka");
  }

  @Test
  void aMessageThatIsNotJsonIsDeadLetteredAsUndecodable() {
    String key = "bad-json-" + UUID.randomUUID();
    byte[] value = "{\"specversion\":\"1.0\",\"id\":".getBytes(UTF_8);

    send(structured(key, value));

    ConsumerRecord<String, byte[]> letter = awaitDeadLetter(key);
    assertThat(header(letter, "x-dlq-reason")).startsWith("undecodable:");
    assertThat(header(letter, "x-dlq-original-topic")).isEqualTo(Topics.RUNS_REQUESTED);
    assertThat(letter.value()).isEqualTo(value);
  }

  @Test
  void aRequestThatNamesNoTenantIsDeadLettered() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    RunRequested request = request(tenant, "greeter", new TextNode("hi"), "operator");
    CloudEvent withoutTenant =
        CloudEventBuilder.v1(EventEnvelope.wrap(request, SOURCE, null))
            .withoutExtension(EventEnvelope.TENANT_ID_EXTENSION)
            .build();
    String key = "no-tenant-" + UUID.randomUUID();

    send(structured(key, EventEnvelope.toStructuredJson(withoutTenant)));

    assertThat(header(awaitDeadLetter(key), "x-dlq-reason"))
        .contains(request.eventId().toString())
        .contains("names no tenant");
    assertThat(listedIds(admin(tenant), "limit=100")).isEmpty();
  }

  @Test
  void aRequestForAViewerIsDeadLetteredAsForbidden() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    RunRequested request = request(tenant, "greeter", new TextNode("hi"), "viewer");

    send(EventEnvelope.toKafkaRecord(request, SOURCE, null));

    assertThat(header(awaitDeadLetter(request.aggregateId()), "x-dlq-reason"))
        .startsWith("rejected:")
        .contains("production-run-forbidden");
    assertThat(listedIds(admin(tenant), "limit=100")).isEmpty();
  }

  @Test
  void aRequestForAnUnknownAgentOrWithBadInputIsDeadLetteredWithThePointer() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    RunRequested unknown = request(tenant, "nobody", new TextNode("hi"), "operator");
    RunRequested debugByService =
        new RunRequested(
            UUID.randomUUID(),
            Instant.now(),
            1,
            tenant,
            null,
            "greeter",
            null,
            new TextNode("hi"),
            RunMode.DEBUG,
            null,
            Map.of(),
            new Requester("ci", List.of("admin"), PrincipalType.SERVICE));

    send(EventEnvelope.toKafkaRecord(unknown, SOURCE, null));
    send(EventEnvelope.toKafkaRecord(debugByService, SOURCE, null));

    assertThat(header(awaitDeadLetter(unknown.aggregateId()), "x-dlq-reason"))
        .contains("/agent")
        .contains("nobody");
    assertThat(header(awaitDeadLetter(debugByService.aggregateId()), "x-dlq-reason"))
        .contains("debug-run-forbidden");
    assertThat(listedIds(admin(tenant), "limit=100")).isEmpty();
  }

  @Test
  void theConsumerKeepsGoingAfterPoisonMessages() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("still here"));
    String poisonKey = "poison-" + UUID.randomUUID();
    RunRequested forbidden = request(tenant, "greeter", new TextNode("x"), "viewer");
    RunRequested valid = request(tenant, "greeter", new TextNode("after the poison"), "operator");

    send(structured(poisonKey, "not json at all".getBytes(UTF_8)));
    send(structured(poisonKey, new byte[0]));
    send(keyed(EventEnvelope.toKafkaRecord(forbidden, SOURCE, null), poisonKey));
    send(keyed(EventEnvelope.toKafkaRecord(valid, SOURCE, null), poisonKey));

    JsonNode ended = awaitEnd(admin(tenant), awaitOnlyRun(tenant));
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("input").asText()).isEqualTo("after the poison");
    assertThat(awaitDeadLetters(poisonKey, 3))
        .extracting(letter -> header(letter, "x-dlq-reason"))
        .satisfiesExactly(
            reason -> assertThat(reason).startsWith("undecodable:"),
            reason -> assertThat(reason).startsWith("undecodable:"),
            reason -> assertThat(reason).contains("production-run-forbidden"));
  }

  @Test
  void theSameEventDeliveredTwiceMakesOneRun() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("once"));
    RunRequested request = request(tenant, "greeter", new TextNode("first"), "operator");
    RunRequested sentinel = request(tenant, "greeter", new TextNode("sentinel"), "operator");
    String key = request.aggregateId();

    send(EventEnvelope.toKafkaRecord(request, SOURCE, null));
    send(EventEnvelope.toKafkaRecord(request, SOURCE, null));
    // Same key, same partition: once the sentinel's run exists, both copies were consumed.
    send(keyed(EventEnvelope.toKafkaRecord(sentinel, SOURCE, null), key));

    String admin = admin(tenant);
    List<JsonNode> runs =
        await("the sentinel's run")
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> listAll(admin, "limit=100"),
                listed ->
                    listed.stream().anyMatch(run -> run.path("input").asText().equals("sentinel")));
    assertThat(runs)
        .extracting(run -> run.path("input").asText())
        .containsExactlyInAnyOrder("first", "sentinel");
    for (JsonNode run : runs) {
      assertThat(awaitEnd(admin, run).path("status").asText()).isEqualTo("succeeded");
    }
    assertThat(listAll(admin, "limit=100")).hasSize(2);
  }

  @Test
  void requestsOnKafkaAreNotMeteredByTheTenantsHttpIntakeRate() {
    registry.activeAgent(ONE_RUN_A_SECOND, "greeter", answering("unmetered"));
    String key = "burst-" + UUID.randomUUID();

    for (int i = 0; i < 4; i++) {
      RunRequested request =
          request(ONE_RUN_A_SECOND, "greeter", new TextNode("burst " + i), "operator");
      send(keyed(EventEnvelope.toKafkaRecord(request, SOURCE, null), key));
    }

    // The consumer takes the four within milliseconds: metered, three would be dead-lettered.
    String admin = admin(ONE_RUN_A_SECOND);
    List<JsonNode> runs =
        await("four runs of the burst")
            .atMost(Duration.ofSeconds(30))
            .until(() -> listAll(admin, "limit=100"), listed -> listed.size() >= 4);
    assertThat(runs)
        .extracting(run -> run.path("input").asText())
        .containsExactlyInAnyOrder("burst 0", "burst 1", "burst 2", "burst 3");
  }

  private RunRequested request(String tenant, String agent, JsonNode input, String role) {
    return new RunRequested(
        UUID.randomUUID(),
        Instant.now(),
        1,
        tenant,
        null,
        agent,
        null,
        input,
        RunMode.PRODUCTION,
        null,
        Map.of("origin", "kafka"),
        new Requester("kafka-user", List.of(role), PrincipalType.USER));
  }

  private String admin(String tenant) {
    return tokens.user(tenant, "the-admin", "admin");
  }

  /** Waits for the tenant's one run to appear; answers it. */
  private JsonNode awaitOnlyRun(String tenant) {
    List<JsonNode> runs =
        await("a run in tenant " + tenant)
            .atMost(Duration.ofSeconds(30))
            .until(() -> listAll(admin(tenant), "limit=100"), listed -> !listed.isEmpty());
    assertThat(runs).hasSize(1);
    return runs.getFirst();
  }

  private void send(ProducerRecord<String, byte[]> record) {
    try {
      producer.send(record).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Could not send to " + record.topic(), e);
    }
  }

  private static ProducerRecord<String, byte[]> structured(String key, byte[] value) {
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.RUNS_REQUESTED, key, value);
    record
        .headers()
        .add(
            EventEnvelope.CONTENT_TYPE_HEADER,
            EventEnvelope.STRUCTURED_CONTENT_TYPE.getBytes(UTF_8));
    return record;
  }

  private static ProducerRecord<String, byte[]> keyed(
      ProducerRecord<String, byte[]> record, String key) {
    return new ProducerRecord<>(record.topic(), null, key, record.value(), record.headers());
  }

  private ConsumerRecord<String, byte[]> awaitDeadLetter(String key) {
    return awaitDeadLetters(key, 1).getFirst();
  }

  /** Reads the dead-letter topic until {@code count} letters keyed {@code key} are there. */
  private List<ConsumerRecord<String, byte[]>> awaitDeadLetters(String key, int count) {
    return await("dead letters keyed " + key)
        .atMost(Duration.ofSeconds(30))
        .pollInSameThread()
        .until(
            () -> {
              deadLetterReader.poll(Duration.ofMillis(200)).forEach(deadLetters::add);
              return deadLetters.stream().filter(letter -> key.equals(letter.key())).toList();
            },
            letters -> letters.size() >= count);
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    return Optional.ofNullable(record.headers().lastHeader(name))
        .map(Header::value)
        .map(value -> new String(value, UTF_8))
        .orElse("");
  }
}
