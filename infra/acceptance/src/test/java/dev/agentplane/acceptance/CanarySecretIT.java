package dev.agentplane.acceptance;

import static dev.agentplane.testkit.SpecJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.acceptance.LeakSearch.Observed;
import dev.agentplane.acceptance.RunEventConsumer.ReceivedEvent;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.SseStream.SseEvent;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A canary secret: a tenant stores a value no one else could have, an HTTP tool sends it in a
 * header to an API that takes effect only with it, and an agent runs through model calls, that
 * tool's call, an approval, checkpoints and events, once as a debug run watched over SSE and once
 * in production decided by a signed webhook. Then everything observable of the platform is read,
 * and the value must be found in none of it: no API reply (body or header), SSE event, webhook
 * body, Kafka record of any {@code agentplane.*} topic, line of any service's log, row of any
 * service's database (the registry's sealed store holds only ciphertext), nor any request to the
 * model, in none of its forms (plain, URL-encoded, hex, base64 at every alignment). The model's API
 * key, a secret too, is searched for the same way.
 *
 * <p>A search that finds nothing proves nothing unless it could have found something: the API's own
 * recording holds the key and the search finds it there; a planted marker, the customer the model
 * names, travels the same channels as data and the search finds it in each of them.
 */
@ExtendWith(PlatformLogsOnFailure.class)
class CanarySecretIT {

  private static final Duration SOON = Duration.ofSeconds(60);
  private static final String TOOL = "crm-lookup";
  private static final String AGENT = "account-reader";
  private static final String TOOL_SECRET = "CRM_CANARY_KEY";
  private static final String MODEL_SECRET = "MODEL_CANARY_KEY";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Platform platform = Platform.get();
  private final ServiceApi gateway = platform.gateway();
  private final Registry registry = new Registry(platform);
  private final Approvals approvals = new Approvals(platform);
  private final Runs runs = new Runs(platform);

  private final Tenant tenant = Tenant.named("leakcheck");
  private final String toolKey = "canary:" + randomHex();
  private final String modelKey = "sk-canary:" + randomHex();
  private final String plantedCustomer = "planted-" + randomHex();
  private final List<Observed> replies = new CopyOnWriteArrayList<>();

  @Test
  void aSecretThatAToolSendsReachesItsApiAndNothingElseOfThePlatform() {
    try (Platform.Watch watch = platform.watchReplies(this::keep);
        KeyedCrm crm = KeyedCrm.start(toolKey);
        GullibleModel model =
            GullibleModel.start(
                TOOL,
                ServiceApi.JSON
                    .createObjectNode()
                    .put("customer", plantedCustomer)
                    .put("amount", 12));
        WebhookReceiver inbox = WebhookReceiver.start()) {
      registry.putSecret(tenant.admin(), TOOL_SECRET, toolKey);
      registry.putSecret(tenant.admin(), MODEL_SECRET, modelKey);
      approvals.subscribe(tenant.admin(), inbox.url(), "approval.requested", "approval.decided");
      String decisionSecret = approvals.inboundSecret(tenant.admin());
      String toolId = registry.active(tenant, "tools", TOOL, crmTool(crm));
      String agentId = registry.active(tenant, "agents", AGENT, agent(model));

      WatchedRun debug = debugRunApprovedThroughTheApi();
      String debugRunId = debug.runId();
      String productionRunId = productionRunApprovedBySignedWebhook(inbox, decisionSecret);
      crm.failFromNowOn();
      String failedCallRunId = productionRunWhoseApprovedCallFails();
      List<String> runIds = List.of(debugRunId, productionRunId, failedCallRunId);

      // The key did its work: the CRM took every call with it, and echoed it back (in its answer,
      // then in its error), as debugging endpoints do; the platform struck the echo before the
      // model, the events or the output saw it.
      assertThat(crm.received()).hasSize(3);
      assertThat(crm.received())
          .allSatisfy(request -> assertThat(request.key()).isEqualTo(toolKey))
          .allSatisfy(request -> assertThat(request.path()).contains(plantedCustomer));
      for (String runId : runIds) {
        JsonNode run = runs.get(tenant.admin(), runId);
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("succeeded");
        assertThat(run.path("output").asText()).contains("[secret " + TOOL_SECRET + "]");
      }
      assertThat(model.received())
          .extracting(GullibleModel.Received::authorization)
          .containsOnly("Bearer " + modelKey);

      awaitTheRunsSettled(inbox, runIds);
      Map<String, List<Observed>> observed = new LinkedHashMap<>();
      readEverythingThroughTheApi(toolId, agentId, runIds);
      observed.put("API replies", List.copyOf(replies));
      observed.put(
          "SSE streams",
          List.of(
              new Observed("the live SSE stream of " + debugRunId, debug.events().toString()),
              sseHistory(debugRunId),
              sseHistory(productionRunId),
              sseHistory(failedCallRunId)));
      observed.put("webhook bodies", webhookDeliveries(inbox));
      observed.put("requests to the model", modelRequests(model));
      observed.put("Kafka records", everyRecordOfEveryTopic());
      observed.put("service logs", serviceLogs());
      observed.put("database rows", everyRowOfEveryDatabase());

      theSearchFindsWhatIsThere(crm, observed);
      theSealedStoreHoldsOnlyCiphertext();
      List<Observed> everything = observed.values().stream().flatMap(List::stream).toList();
      assertThat(LeakSearch.of(toolKey).sightingsIn(everything))
          .as("the tool's key (%s) outside the API it is for", toolKey)
          .isEmpty();
      assertThat(LeakSearch.of(modelKey).sightingsIn(everything))
          .as("the model's key (%s) outside the model's Authorization header", modelKey)
          .isEmpty();
    }
  }

  /** A run and the events its creator saw live. */
  private record WatchedRun(String runId, List<SseEvent> events) {}

  /**
   * The builder runs the agent in debug mode and watches it over SSE; the call stops at its gate,
   * the approver approves through the API.
   */
  private WatchedRun debugRunApprovedThroughTheApi() {
    String runId =
        runs.start(
            tenant.builder(),
            "{\"agent\":\"" + AGENT + "\",\"mode\":\"debug\",\"input\":\"Look the customer up\"}");
    try (SseStream live = runs.watch(tenant.builder(), runId, null)) {
      assertThat(live.status()).isEqualTo(200);
      SseEvent gate = live.nextNamed("tool.approval_requested", SOON);
      String approvalId = gate.path("approvalId").asText();
      approvals.awaitRequest(tenant.approver(), approvalId);
      approvals.decide(tenant.approver(), approvalId, "{\"decision\":\"approve\"}");
      List<SseEvent> all = live.untilEnd(SOON);
      assertThat(all.stream().map(SseEvent::name))
          .containsSubsequence(
              "run.queued",
              "model.completed",
              "tool.approval_requested",
              "tool.approval_decided",
              "tool.started",
              "tool.succeeded",
              "model.delta",
              "run.succeeded");
      return new WatchedRun(runId, all);
    }
  }

  /**
   * The operator runs the agent in production; the tenant's endpoint hears of the gate, and the
   * tenant's chat integration approves with a signed decision. Returns the run's id.
   */
  private String productionRunApprovedBySignedWebhook(WebhookReceiver inbox, String secret) {
    String runId =
        runs.start(tenant.operator(), "{\"agent\":\"" + AGENT + "\",\"input\":\"Look it up\"}");
    runs.awaitStatus(tenant.operator(), runId, "waiting_approval");
    String approvalId =
        inbox
            .awaitDelivery("approval.requested", runId, SOON)
            .json()
            .path("data")
            .path("id")
            .asText();
    String decision =
        "{\"approvalId\":\""
            + approvalId
            + "\",\"approver\":{\"subject\":\"ann@chat\",\"roles\":[\"approver\"]},"
            + "\"decision\":\"approve\",\"reason\":\"A lookup is harmless\"}";
    Reply decided =
        approvals.signedDecision(tenant.id(), secret, Approvals.newMessageId(), decision);
    assertThat(decided.status()).as(decided.raw()).isEqualTo(200);
    JsonNode run = runs.awaitEnd(tenant.operator(), runId);
    assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("succeeded");
    return runId;
  }

  /**
   * The operator runs the agent again and the approver approves the call through the API; the CRM
   * fails it with an error that repeats the request, key included. The failure goes back to the
   * model, which answers with it.
   */
  private String productionRunWhoseApprovedCallFails() {
    String runId =
        runs.start(tenant.operator(), "{\"agent\":\"" + AGENT + "\",\"input\":\"Once more\"}");
    JsonNode pending = approvals.awaitPendingToolCall(tenant.approver(), runId);
    approvals.decide(tenant.approver(), pending.path("id").asText(), "{\"decision\":\"approve\"}");
    JsonNode run = runs.awaitEnd(tenant.operator(), runId);
    assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("succeeded");
    assertThat(runs.history(tenant.operator(), runId))
        .filteredOn(event -> event.name().equals("tool.failed"))
        .singleElement()
        .satisfies(
            failed -> assertThat(failed.path("errorCode").asText()).isEqualTo("tool_http_error"));
    return runId;
  }

  /**
   * Waits for what the runs set going after they ended: the decision notices, and the last event at
   * an outside Kafka consumer.
   */
  private void awaitTheRunsSettled(WebhookReceiver inbox, List<String> runIds) {
    for (String runId : runIds) {
      inbox.awaitDelivery("approval.decided", runId, SOON);
      await("run " + runId + "'s last event on Kafka")
          .atMost(SOON)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> platform.kafkaRunEvents().eventsOf(runId),
              events ->
                  events.stream()
                      .map(ReceivedEvent::type)
                      .anyMatch("dev.agentplane.run.succeeded"::equals));
    }
  }

  /**
   * Reads, as the tenant's admin, every endpoint that shows something of the tenant: the replies
   * reach {@link #replies} through the platform's watch.
   */
  private void readEverythingThroughTheApi(String toolId, String agentId, List<String> runIds) {
    List<String> paths =
        new ArrayList<>(
            List.of(
                "/v1/secrets",
                "/v1/tools",
                "/v1/tools/" + toolId,
                "/v1/tools/" + toolId + "/versions/1",
                "/v1/agents",
                "/v1/agents/" + agentId,
                "/v1/agents/" + agentId + "/versions/1",
                "/v1/agents/" + agentId + "/resolved?version=active",
                "/v1/runs",
                "/v1/usage",
                "/v1/webhooks/inbound-secret"));
    for (String runId : runIds) {
      paths.addAll(
          List.of(
              "/v1/runs/" + runId,
              "/v1/runs/" + runId + "/checkpoints",
              "/v1/runs/" + runId + "/audit",
              "/v1/runs?parent=" + runId));
    }
    JsonNode approvalsOfTheTenant = read("/v1/approvals").path("items");
    assertThat(approvalsOfTheTenant).as("tool review, agent review, three tool calls").hasSize(5);
    for (JsonNode approval : approvalsOfTheTenant) {
      String id = approval.path("id").asText();
      paths.addAll(List.of("/v1/approvals/" + id, "/v1/approvals/" + id + "/audit"));
    }
    JsonNode webhooks = read("/v1/webhooks").path("items");
    assertThat(webhooks).hasSize(1);
    String webhookId = webhooks.get(0).path("id").asText();
    paths.add("/v1/webhooks/" + webhookId);
    JsonNode deliveries = read("/v1/webhooks/" + webhookId + "/deliveries").path("items");
    assertThat(deliveries).as("requested and decided, for each run").hasSizeGreaterThanOrEqualTo(6);
    for (JsonNode delivery : deliveries) {
      paths.add("/v1/webhooks/" + webhookId + "/deliveries/" + delivery.path("id").asText());
    }
    paths.forEach(this::read);
  }

  private JsonNode read(String path) {
    Reply reply = gateway.get(path, tenant.admin());
    assertThat(reply.status()).as(path + " " + reply.raw()).isEqualTo(200);
    return reply.body();
  }

  private void keep(String request, Reply reply) {
    replies.add(
        new Observed(
            request + " (" + reply.status() + ")",
            reply.headers() + "\n" + (reply.raw() == null ? "" : reply.raw())));
  }

  private Observed sseHistory(String runId) {
    return new Observed(
        "the SSE history of " + runId, runs.history(tenant.admin(), runId).toString());
  }

  private static List<Observed> webhookDeliveries(WebhookReceiver inbox) {
    return inbox.deliveries().stream()
        .map(
            delivery ->
                new Observed(
                    "the webhook delivery " + delivery.id(),
                    String.join(
                        "\n",
                        delivery.id(),
                        delivery.timestamp(),
                        delivery.signature(),
                        delivery.body())))
        .toList();
  }

  private static List<Observed> modelRequests(GullibleModel model) {
    List<GullibleModel.Received> received = model.received();
    assertThat(received).as("two turns of each of three runs").hasSize(6);
    List<Observed> requests = new ArrayList<>();
    for (int i = 0; i < received.size(); i++) {
      requests.add(
          new Observed("request " + (i + 1) + " to the model", received.get(i).body().toString()));
    }
    return requests;
  }

  /**
   * Every record of every {@code agentplane.*} topic from its beginning, as raw bytes (key,
   * headers, value), read uncommitted: what anyone with read access to the broker can see.
   */
  private static List<Observed> everyRecordOfEveryTopic() {
    String servers = TestKafka.get().bootstrapServers();
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers));
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
      List<String> topics =
          admin.listTopics().names().get().stream()
              .filter(topic -> topic.startsWith("agentplane."))
              .sorted()
              .toList();
      assertThat(topics).contains("agentplane.runs.events", "agentplane.approvals.requested");
      List<TopicPartition> partitions =
          topics.stream()
              .flatMap(topic -> consumer.partitionsFor(topic).stream())
              .map(info -> new TopicPartition(info.topic(), info.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      List<Observed> records = new ArrayList<>();
      await("every record of " + topics)
          .atMost(SOON)
          .pollInSameThread()
          .pollInterval(Duration.ZERO)
          .until(
              () -> {
                for (ConsumerRecord<byte[], byte[]> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  records.add(observed(record));
                }
                return partitions.stream()
                    .allMatch(partition -> consumer.position(partition) >= ends.get(partition));
              });
      return records;
    } catch (ExecutionException e) {
      throw new IllegalStateException("Could not list the topics", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Observed observed(ConsumerRecord<byte[], byte[]> record) {
    StringBuilder text = new StringBuilder(bytes(record.key())).append('\n');
    for (Header header : record.headers()) {
      text.append(header.key()).append('=').append(bytes(header.value())).append('\n');
    }
    text.append(bytes(record.value()));
    return new Observed(
        "the Kafka record " + record.topic() + "-" + record.partition() + "@" + record.offset(),
        text.toString());
  }

  /** Bytes as text, one character per byte, so that any ASCII inside stays findable. */
  private static String bytes(byte[] raw) {
    return raw == null ? "" : new String(raw, StandardCharsets.ISO_8859_1);
  }

  private List<Observed> serviceLogs() {
    List<Observed> logs = new ArrayList<>();
    for (ServiceProcess service : platform.processes()) {
      try {
        String log = new String(Files.readAllBytes(service.logFile()), StandardCharsets.UTF_8);
        assertThat(log).as("the log of " + service.name()).isNotBlank();
        logs.add(new Observed("the log of " + service.name(), log));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return logs;
  }

  /**
   * Every row of every table of every service's database, as PostgreSQL prints a row ({@code bytea}
   * in hex, {@code jsonb} as text), one observation per table.
   */
  private List<Observed> everyRowOfEveryDatabase() {
    List<Observed> tables = new ArrayList<>();
    platform
        .databases()
        .forEach(
            (service, database) -> {
              try (Connection connection = database.connect()) {
                for (String table : tablesOf(connection)) {
                  tables.add(
                      new Observed(
                          "the table " + table + " of " + service, rowsOf(connection, table)));
                }
              } catch (SQLException e) {
                throw new IllegalStateException("Could not read the database of " + service, e);
              }
            });
    return tables;
  }

  private static List<String> tablesOf(Connection connection) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet found =
            statement.executeQuery(
                "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables"
                    + " WHERE table_type = 'BASE TABLE'"
                    + " AND table_schema NOT IN ('pg_catalog', 'information_schema')")) {
      while (found.next()) {
        tables.add(found.getString(1));
      }
    }
    return tables;
  }

  private static String rowsOf(Connection connection, String table) throws SQLException {
    StringBuilder rows = new StringBuilder();
    try (Statement statement = connection.createStatement();
        ResultSet found =
            statement.executeQuery("SELECT scanned_row::text FROM " + table + " AS scanned_row")) {
      while (found.next()) {
        rows.append(found.getString(1)).append('\n');
      }
    }
    return rows.toString();
  }

  /**
   * The search can find what it looks for: every form of a value in text built to hold it, the key
   * in the CRM's own recording, and the planted customer, which travels as data, in every channel
   * it reaches.
   */
  private void theSearchFindsWhatIsThere(KeyedCrm crm, Map<String, List<Observed>> observed) {
    LeakSearch key = LeakSearch.of(toolKey);
    byte[] bytes = toolKey.getBytes(StandardCharsets.UTF_8);
    for (int offset = 0; offset < 3; offset++) {
      byte[] shifted = ("x".repeat(offset) + toolKey + "!").getBytes(StandardCharsets.UTF_8);
      assertThat(key.formsIn("Basic " + Base64.getEncoder().encodeToString(shifted)))
          .contains("base64 at offset " + offset);
      // Without '+' or '/' in the standard encoding, the URL-safe one is the same text.
      assertThat(key.formsIn("?k=" + Base64.getUrlEncoder().encodeToString(shifted)))
          .containsAnyOf("base64url at offset " + offset, "base64 at offset " + offset);
    }
    assertThat(key.formsIn("https://x.test/?key=" + toolKey.replace(":", "%3a")))
        .contains("url-encoded");
    assertThat(key.formsIn("(7,\"\\\\x" + HexFormat.of().formatHex(bytes) + "\")")).contains("hex");
    assertThat(key.formsIn("{\"key\":\"" + toolKey.toUpperCase(Locale.ROOT) + "\"}"))
        .contains("plain");
    assertThat(key.formsIn(modelKey + plantedCustomer + tenant.id())).isEmpty();

    assertThat(key.formsIn(crm.received().toString())).contains("plain");

    LeakSearch planted = LeakSearch.of(plantedCustomer);
    observed.forEach(
        (channel, observations) -> {
          if (!channel.equals("service logs")) {
            assertThat(planted.sightingsIn(observations))
                .as("the planted customer in the %s", channel)
                .isNotEmpty();
          }
        });
    // The logs do not carry a run's data; they name the tenant and the runs.
    assertThat(LeakSearch.of(tenant.id()).sightingsIn(observed.get("service logs")))
        .as("the tenant in the service logs")
        .isNotEmpty();
  }

  /** The registry's secret rows hold the keys, sealed: neither key in any form in their bytes. */
  private void theSealedStoreHoldsOnlyCiphertext() {
    TestDatabase registryDatabase = platform.databases().get("registry");
    Map<String, byte[]> sealed = new LinkedHashMap<>();
    try (Connection connection = registryDatabase.connect();
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT name, ciphertext FROM registry.secret WHERE tenant_id = ? ORDER BY name")) {
      query.setString(1, tenant.id());
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          sealed.put(rows.getString("name"), rows.getBytes("ciphertext"));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    assertThat(sealed).containsOnlyKeys(MODEL_SECRET, TOOL_SECRET);
    for (String value : List.of(toolKey, modelKey)) {
      LeakSearch search = LeakSearch.of(value);
      sealed.forEach(
          (name, ciphertext) -> {
            assertThat(ciphertext).as(name).isNotEmpty();
            assertThat(search.formsIn(bytes(ciphertext))).as(name).isEmpty();
            assertThat(search.formsIn(HexFormat.of().formatHex(ciphertext))).as(name).isEmpty();
          });
    }
  }

  /**
   * An HTTP tool that looks a customer up: high risk, so every call waits for a human, with the
   * tenant's key in a header of its own.
   */
  private static JsonNode crmTool(KeyedCrm crm) {
    JsonNode spec =
        json(
            "{'description':'Looks a customer up in the CRM','type':'http','http':{"
                + "'method':'POST','url':'"
                + crm.url("/customers/{customer}/lookup")
                + "','headers':{'X-Api-Key':'{{secret:"
                + TOOL_SECRET
                + "}}'},'timeoutMs':10000,'idempotent':true},"
                + "'inputSchema':{'type':'object','properties':{"
                + "'customer':{'type':'string'},'amount':{'type':'number'}},"
                + "'required':['customer','amount'],'additionalProperties':false},"
                + "'risk':'high','approval':'always'}");
    ((ObjectNode) spec.path("http")).put("body", "{\"amount\": {amount}}");
    return spec;
  }

  /** An agent on the OpenAI-compatible model, whose key is the tenant's other secret. */
  private static JsonNode agent(GullibleModel model) {
    return json(
        "{'description':'Reads customer accounts','kind':'assistant','model':{'provider':'openai',"
            + "'name':'gullible-1','baseUrl':'"
            + model.baseUrl()
            + "','apiKeySecret':'"
            + MODEL_SECRET
            + "'},'instructions':'Look the customer up.',"
            + "'tools':[{'name':'"
            + TOOL
            + "','version':'active'}]}");
  }

  private static String randomHex() {
    byte[] random = new byte[16];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  /**
   * A CRM API on loopback that answers only callers presenting its key in {@code X-Api-Key} (401
   * otherwise), and that echoes the key in its answer, as debugging endpoints echo requests; after
   * {@link #failFromNowOn()}, in a 500's error body. It keeps every request it received, key
   * included: the one place the key belongs.
   */
  private static final class KeyedCrm implements AutoCloseable {

    record Request(String method, String path, String key, String body) {}

    private final HttpServer http;
    private final String requiredKey;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Request> received = new CopyOnWriteArrayList<>();
    private volatile boolean failing;

    private KeyedCrm(HttpServer http, String requiredKey) {
      this.http = http;
      this.requiredKey = requiredKey;
    }

    static KeyedCrm start(String requiredKey) {
      try {
        HttpServer http =
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        KeyedCrm crm = new KeyedCrm(http, requiredKey);
        http.setExecutor(crm.handlers);
        http.createContext("/", crm::handle);
        http.start();
        return crm;
      } catch (IOException e) {
        throw new UncheckedIOException("The CRM did not start", e);
      }
    }

    String url(String path) {
      return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    List<Request> received() {
      return List.copyOf(received);
    }

    void failFromNowOn() {
      failing = true;
    }

    private void handle(HttpExchange exchange) throws IOException {
      try (exchange) {
        String key = exchange.getRequestHeaders().getFirst("X-Api-Key");
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = exchange.getRequestURI().getRawPath();
        received.add(new Request(exchange.getRequestMethod(), path, key, body));
        int status;
        ObjectNode answer = ServiceApi.JSON.createObjectNode();
        if (!requiredKey.equals(key)) {
          status = 401;
          answer.put("error", "unknown key");
        } else if (failing) {
          status = 500;
          answer.put("error", "The ledger is down; request was POST " + path + " with key " + key);
        } else {
          status = 200;
          answer.put("path", path).put("balance", 42);
          answer.putObject("youSent").put("X-Api-Key", key);
        }
        byte[] bytes = answer.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
      }
    }

    @Override
    public void close() {
      http.stop(0);
      handlers.shutdownNow();
    }
  }
}
