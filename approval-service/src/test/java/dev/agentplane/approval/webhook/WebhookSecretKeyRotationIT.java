package dev.agentplane.approval.webhook;

import static dev.agentplane.approval.Approvals.anApproval;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.approval.InboundSigner;
import dev.agentplane.approval.inbound.InboundSecretResealing;
import dev.agentplane.approval.request.ApprovalNotice;
import dev.agentplane.contracts.Topics;
import dev.agentplane.kit.sealing.BackgroundResealing;
import dev.agentplane.kit.sealing.ResealBatch;
import dev.agentplane.kit.sealing.Resealable;
import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestTokens;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Rotating the master key of the webhook secrets: every sealed secret — subscriptions' signing
 * secrets, current and rotated-out, and tenants' inbound decision secrets, current and rotated-out
 * — moves from key A to key B in committed batches; a run stopped half-way leaves every secret
 * usable and the next start finishes it; afterwards B alone opens everything, deliveries are signed
 * and inbound decisions verified with the very secrets the API showed when they were made, and
 * running again changes no byte. Where the secrets sit is read through the owner's connection,
 * beside the service, by key id.
 */
class WebhookSecretKeyRotationIT implements RealInfrastructure {

  private static final String KEY_A = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  private static final String KEY_B = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final String SUBSCRIPTIONS = "webhook_subscription";
  private static final String INBOUND_SECRETS = "inbound_secret";

  private final TestTokens tokens = TestTokens.standard();
  private final Map<String, Object> infrastructure = new HashMap<>();
  private final List<Receiver> receivers = new ArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  /**
   * A tenant's secrets as the API showed them when they were made: a webhook, a webhook whose
   * secret was rotated (both still sign during the overlap), the inbound decision secret and, when
   * it was rotated, the one before (still verifying).
   */
  private record Holder(
      String tenant,
      UUID plainWebhook,
      Receiver plain,
      String plainSecret,
      UUID rotatedWebhook,
      Receiver rotated,
      String rotatedSecret,
      String rotatedOutSecret,
      String inboundSecret,
      String rotatedOutInboundSecret) {

    Stream<String> secrets() {
      return Stream.of(
              plainSecret, rotatedSecret, rotatedOutSecret, inboundSecret, rotatedOutInboundSecret)
          .filter(secret -> secret != null);
    }
  }

  @BeforeEach
  void freshDatabaseAndLogs() {
    TestKafka.get().createTopics(Topics.ALL.toArray(String[]::new));
    infrastructure.putAll(getProperties());
    logs.start();
    rootLogger().addAppender(logs);
  }

  @AfterEach
  void closeReceiversAndLogs() {
    receivers.forEach(Receiver::close);
    rootLogger().detachAppender(logs);
    logs.stop();
  }

  @Test
  void everySecretMovesToTheNewKeyResumingAfterAStopAndKeepsSigningAndVerifyingAsBefore()
      throws Exception {
    List<Holder> holders = new ArrayList<>();
    withService(
        Map.of("a", KEY_A),
        "a",
        true,
        service -> {
          holders.add(holder(service, "t-" + UUID.randomUUID(), true));
          holders.add(holder(service, "t-" + UUID.randomUUID(), false));
          assertSecretsWork(service, holders);
        });
    // Two webhooks per tenant, one with its rotated-out secret; one tenant's inbound secret
    // rotated.
    assertThat(countByKey(SUBSCRIPTIONS)).isEqualTo(Map.of("a", 6L));
    assertThat(countByKey(INBOUND_SECRETS)).isEqualTo(Map.of("a", 3L));

    // B becomes current beside A. This start re-seals a little by hand and stops, as a crash would.
    withService(
        Map.of("a", KEY_A, "b", KEY_B),
        "b",
        false,
        service -> {
          SubscriptionSecretResealing subscriptions =
              bean(service, SubscriptionSecretResealing.class);
          InboundSecretResealing inbound = bean(service, InboundSecretResealing.class);
          ResealBatch<UUID> first;
          UUID held;
          // Another transaction (another instance's batch, a rotation) holds the first
          // subscription: the batch skips it instead of waiting for it.
          try (Connection owner = ownerConnection()) {
            owner.setAutoCommit(false);
            held = lockFirstSubscription(owner);
            first =
                CompletableFuture.supplyAsync(
                        () -> subscriptions.resealBatch(subscriptions.start(), 2))
                    .get(10, TimeUnit.SECONDS);
            owner.rollback();
          }
          assertThat(first.resealed()).as("two webhooks with one or two secrets").isBetween(2, 4);
          assertThat(keyIdsOf(held)).containsOnly("a");
          ResealBatch<String> firstTenant = inbound.resealBatch(inbound.start(), 1);
          assertThat(firstTenant.resealed()).isBetween(1, 2);

          assertThat(countByKey(SUBSCRIPTIONS))
              .isEqualTo(Map.of("a", 6L - first.resealed(), "b", (long) first.resealed()));
          assertThat(countByKey(INBOUND_SECRETS))
              .isEqualTo(
                  Map.of("a", 3L - firstTenant.resealed(), "b", (long) firstTenant.resealed()));
          // Mid-rotation, secrets on either key sign and verify.
          assertSecretsWork(service, holders);
        });

    // The next start finishes the job in the background.
    withService(
        Map.of("a", KEY_A, "b", KEY_B),
        "b",
        true,
        service -> {
          await("the start-up job's report")
              .atMost(DEADLINE)
              .until(
                  () ->
                      logged("Re-sealed", "webhook signing secrets", "{b=6}")
                          && logged("Re-sealed", "inbound decision secrets", "{b=3}"));
          assertThat(countByKey(SUBSCRIPTIONS)).isEqualTo(Map.of("b", 6L));
          assertThat(countByKey(INBOUND_SECRETS)).isEqualTo(Map.of("b", 3L));
          assertSecretsWork(service, holders);
        });

    // A is gone: B alone opens every secret; running the job again re-seals nothing.
    List<String> afterRotation = storedSecrets();
    withService(
        Map.of("b", KEY_B),
        "b",
        true,
        service -> {
          assertSecretsWork(service, holders);
          assertThat(bean(service, SecretResealJob.class).resealAll()).isZero();
        });
    assertThat(storedSecrets()).isEqualTo(afterRotation);
    assertNoSecretLogged(holders);
  }

  @Test
  void twoInstancesReSealingAtOnceShareTheWorkAndReSealEverySecretOnce() throws Exception {
    List<Holder> holders = new ArrayList<>();
    withService(
        Map.of("a", KEY_A),
        "a",
        true,
        service -> {
          for (int i = 0; i < 3; i++) {
            holders.add(holder(service, "t-" + UUID.randomUUID(), i % 2 == 0));
          }
        });
    long onA = countByKey(SUBSCRIPTIONS).get("a") + countByKey(INBOUND_SECRETS).get("a");

    withService(
        Map.of("a", KEY_A, "b", KEY_B),
        "b",
        false,
        service -> {
          List<Resealable<?>> stores =
              List.of(
                  bean(service, SubscriptionSecretResealing.class),
                  bean(service, InboundSecretResealing.class));
          // Batches of one, so that the two passes keep meeting on the same rows.
          CompletableFuture<Integer> one =
              CompletableFuture.supplyAsync(
                  () -> new BackgroundResealing("one", 1, stores).resealAll());
          CompletableFuture<Integer> other =
              CompletableFuture.supplyAsync(
                  () -> new BackgroundResealing("other", 1, stores).resealAll());

          assertThat(one.get(30, TimeUnit.SECONDS) + other.get(30, TimeUnit.SECONDS))
              .isEqualTo((int) onA);
          assertThat(countByKey(SUBSCRIPTIONS)).containsOnlyKeys("b");
          assertThat(countByKey(INBOUND_SECRETS)).containsOnlyKeys("b");
          assertSecretsWork(service, holders);
        });
  }

  @Test
  void aSecretThatOpensWithNoConfiguredKeyIsReportedAndLeftAsItIs() throws Exception {
    Holder[] holder = new Holder[1];
    withService(
        Map.of("a", KEY_A),
        "a",
        true,
        service -> holder[0] = holder(service, "t-" + UUID.randomUUID(), true));
    List<String> before = storedSecrets();

    // A was removed before its secrets were re-sealed.
    withService(
        Map.of("b", KEY_B),
        "b",
        false,
        service -> {
          SubscriptionSecretResealing subscriptions =
              bean(service, SubscriptionSecretResealing.class);
          InboundSecretResealing inbound = bean(service, InboundSecretResealing.class);

          assertThat(subscriptions.resealBatch(subscriptions.start(), 10))
              .as("the pass ends")
              .isEqualTo(new ResealBatch<UUID>(0, 3, null));
          assertThat(inbound.resealBatch(inbound.start(), 10))
              .isEqualTo(new ResealBatch<String>(0, 2, null));
        });

    assertThat(storedSecrets()).isEqualTo(before);
    String tenant = holder[0].tenant();
    assertThat(
            logged("Could not re-seal the signing secret of webhook " + holder[0].plainWebhook()))
        .isTrue();
    assertThat(
            logged(
                "Could not re-seal the previous signing secret of webhook "
                    + holder[0].rotatedWebhook()
                    + " of tenant "
                    + tenant,
                "key a, which is not configured"))
        .isTrue();
    assertThat(logged("Could not re-seal the inbound decision secret of tenant " + tenant))
        .isTrue();
    assertThat(logged("Could not re-seal the previous inbound decision secret of tenant " + tenant))
        .isTrue();
    assertNoSecretLogged(List.of(holder[0]));
  }

  @Test
  void theSingleSecretKeyOfEarlierConfigurationsKeepsOpeningAndItsSecretsMoveToANamedKey()
      throws Exception {
    List<Holder> holders = new ArrayList<>();
    withService(
        Map.of("agentplane.approval.webhooks.secret-key", KEY_A),
        true,
        service -> holders.add(holder(service, "t-" + UUID.randomUUID(), true)));
    // Sealed under the fingerprint of the key, as before there were several.
    Set<String> singleKeyIds = countByKey(SUBSCRIPTIONS).keySet();
    assertThat(singleKeyIds).singleElement().asString().matches("k-[0-9a-f]{8}");
    assertThat(countByKey(INBOUND_SECRETS).keySet()).isEqualTo(singleKeyIds);

    withService(
        Map.of(
            "agentplane.approval.webhooks.secret-key", KEY_A,
            "agentplane.approval.webhooks.secret-keys.b", KEY_B,
            "agentplane.approval.webhooks.current-secret-key-id", "b"),
        true,
        service -> {
          await("the start-up job")
              .atMost(DEADLINE)
              .until(
                  () ->
                      countByKey(SUBSCRIPTIONS).equals(Map.of("b", 3L))
                          && countByKey(INBOUND_SECRETS).equals(Map.of("b", 2L)));
          assertSecretsWork(service, holders);
        });
  }

  /**
   * Makes a tenant's secrets through the API as its admin: a webhook, a second one whose secret is
   * rotated (the old one keeps signing for the default overlap), and the inbound decision secret,
   * rotated too when asked.
   */
  private Holder holder(EmbeddedServer service, String tenant, boolean rotateInboundSecret) {
    ServiceApi api = new ServiceApi(service.getURI());
    String admin = tokens.user(tenant, "alice", "admin");
    Receiver plain = receiver();
    Receiver rotated = receiver();
    JsonNode plainWebhook = subscribe(api, admin, plain);
    JsonNode rotatedWebhook = subscribe(api, admin, rotated);
    Reply rotation =
        api.post(
            "/v1/webhooks/" + rotatedWebhook.path("id").asText() + "/rotate-secret", admin, null);
    assertThat(rotation.status()).as(rotation.raw()).isEqualTo(200);
    String inboundSecret = makeInboundSecret(api, admin);
    String rotatedOutInboundSecret = null;
    if (rotateInboundSecret) {
      rotatedOutInboundSecret = inboundSecret;
      inboundSecret = makeInboundSecret(api, admin);
    }
    return new Holder(
        tenant,
        UUID.fromString(plainWebhook.path("id").asText()),
        plain,
        plainWebhook.path("secret").asText(),
        UUID.fromString(rotatedWebhook.path("id").asText()),
        rotated,
        rotation.body().path("secret").asText(),
        rotatedWebhook.path("secret").asText(),
        inboundSecret,
        rotatedOutInboundSecret);
  }

  private static JsonNode subscribe(ServiceApi api, String admin, Receiver receiver) {
    Reply created =
        api.post(
            "/v1/webhooks",
            admin,
            WebhookTestSupport.subscriptionBody(
                receiver.url("/hooks"),
                ApprovalNotice.TYPE_REQUESTED,
                ApprovalNotice.TYPE_DECIDED));
    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    return created.body();
  }

  private static String makeInboundSecret(ServiceApi api, String admin) {
    Reply made = api.post("/v1/webhooks/inbound-secret", admin, null);
    assertThat(made.status()).as(made.raw()).isEqualTo(201);
    return made.body().path("secret").asText();
  }

  /**
   * Uses every secret: each tenant opens requests, decides them with signed inbound decisions (one
   * per inbound secret that still verifies), and both webhooks receive the requested and decided
   * notices signed with the secrets shown when they were made — the rotated webhook with its new
   * secret and its rotated-out one.
   */
  private void assertSecretsWork(EmbeddedServer service, List<Holder> holders) {
    ServiceApi api = new ServiceApi(service.getURI());
    for (Holder holder : holders) {
      Set<String> approvals = new HashSet<>();
      for (String secret :
          Stream.of(holder.inboundSecret(), holder.rotatedOutInboundSecret())
              .filter(secret -> secret != null)
              .toList()) {
        Reply opened =
            api.post(
                "/v1/approvals",
                tokens.service(holder.tenant(), "svc-gate", "internal"),
                anApproval().requiring(1).json());
        assertThat(opened.status()).as(opened.raw()).isEqualTo(201);
        String approval = opened.body().path("id").asText();
        approvals.add(approval);
        ObjectNode decision = ServiceApi.JSON.createObjectNode();
        decision.put("approvalId", approval);
        decision.putObject("approver").put("subject", "bob@chat");
        decision.put("decision", "approve");
        InboundSigner.Message message = InboundSigner.signed(secret, decision.toString());
        Reply decided =
            api.send(
                "POST",
                "/v1/webhooks/inbound/" + holder.tenant() + "/decisions",
                null,
                message.body(),
                message.headers());
        assertThat(decided.status()).as(decided.raw()).isEqualTo(200);
        assertThat(decided.body().path("status").asText()).isEqualTo("approved");
      }
      assertDeliveredSigned(holder.plain(), approvals, holder.plainSecret());
      assertDeliveredSigned(
          holder.rotated(), approvals, holder.rotatedSecret(), holder.rotatedOutSecret());
    }
  }

  /** The receiver got both notices of every approval, each verifying with every secret. */
  private static void assertDeliveredSigned(
      Receiver receiver, Set<String> approvals, String... secrets) {
    await("both notices of " + approvals)
        .atMost(DEADLINE)
        .until(() -> noticesOf(receiver, approvals).size() == 2 * approvals.size());
    List<Receiver.Received> delivered =
        receiver.received().stream()
            .filter(message -> approvals.contains(read(message).path("data").path("id").asText()))
            .toList();
    for (String secret : secrets) {
      assertThat(delivered)
          .allSatisfy(
              message -> assertThat(IndependentVerifier.verifies(message, secret)).isTrue());
    }
  }

  /**
   * The distinct (approval, type) pairs delivered for these approvals (redeliveries count once).
   */
  private static Set<String> noticesOf(Receiver receiver, Set<String> approvals) {
    Set<String> notices = new HashSet<>();
    for (Receiver.Received message : receiver.received()) {
      JsonNode body = read(message);
      String approval = body.path("data").path("id").asText();
      if (approvals.contains(approval)) {
        notices.add(approval + " " + body.path("type").asText());
      }
    }
    return notices;
  }

  private static JsonNode read(Receiver.Received message) {
    try {
      return ServiceApi.JSON.readTree(message.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private Receiver receiver() {
    Receiver receiver = Receiver.start();
    receivers.add(receiver);
    return receiver;
  }

  private <T> T bean(EmbeddedServer service, Class<T> type) {
    return service.getApplicationContext().getBean(type);
  }

  private void withService(
      Map<String, String> keys, String currentKeyId, boolean resealOnStartup, WithService use)
      throws Exception {
    Map<String, Object> keyProperties = new HashMap<>();
    keys.forEach(
        (id, key) -> keyProperties.put("agentplane.approval.webhooks.secret-keys." + id, key));
    keyProperties.put("agentplane.approval.webhooks.current-secret-key-id", currentKeyId);
    withService(keyProperties, resealOnStartup, use);
  }

  /** Starts the approval service with these key properties, runs {@code use}, and stops it. */
  private void withService(Map<String, ?> keyProperties, boolean resealOnStartup, WithService use)
      throws Exception {
    Map<String, Object> properties = new HashMap<>(infrastructure);
    properties.putAll(keyProperties);
    properties.put("agentplane.approval.webhooks.reseal.on-startup", resealOnStartup);
    properties.put("agentplane.approval.webhooks.reseal.batch-size", 2);
    properties.put("agentplane.approval.webhooks.require-https", false);
    properties.put("agentplane.approval.webhooks.allowed-hosts", "127.0.0.1");
    properties.put("agentplane.approval.webhooks.poll-interval", "100ms");
    properties.put("agentplane.approval.webhooks.retry-schedule", "150ms,150ms,150ms");
    try (ApplicationContext context =
        ApplicationContext.run(EmbeddedServer.class, properties).getApplicationContext()) {
      use.accept(context.getBean(EmbeddedServer.class));
    }
  }

  /** How many secrets of the table, current and rotated-out, each key id seals. */
  private Map<String, Long> countByKey(String table) {
    String current = table.equals(SUBSCRIPTIONS) ? "secret_key_id" : "key_id";
    String previous = table.equals(SUBSCRIPTIONS) ? "previous_secret_key_id" : "previous_key_id";
    return query(
        "SELECT key_id, count(*) FROM (SELECT "
            + current
            + " AS key_id FROM approval."
            + table
            + " UNION ALL SELECT "
            + previous
            + " FROM approval."
            + table
            + " WHERE "
            + previous
            + " IS NOT NULL) AS sealed GROUP BY key_id",
        rows -> {
          Map<String, Long> counts = new HashMap<>();
          while (rows.next()) {
            counts.put(rows.getString(1), rows.getLong(2));
          }
          return counts;
        });
  }

  /** Every sealed secret column of both tables as stored, row by row. */
  private List<String> storedSecrets() {
    return query(
        """
        SELECT id::text || ' ' || secret_key_id || encode(secret_nonce, 'hex')
                 || encode(secret_ciphertext, 'hex') || ' '
                 || coalesce(previous_secret_key_id || encode(previous_secret_nonce, 'hex')
                             || encode(previous_secret_ciphertext, 'hex'), '-')
          FROM approval.webhook_subscription
        UNION ALL
        SELECT tenant_id || ' ' || key_id || encode(nonce, 'hex') || encode(ciphertext, 'hex') || ' '
                 || coalesce(previous_key_id || encode(previous_nonce, 'hex')
                             || encode(previous_ciphertext, 'hex'), '-')
          FROM approval.inbound_secret
        ORDER BY 1
        """,
        rows -> {
          List<String> stored = new ArrayList<>();
          while (rows.next()) {
            stored.add(rows.getString(1));
          }
          return stored;
        });
  }

  private List<String> keyIdsOf(UUID webhook) {
    return query(
        "SELECT secret_key_id, previous_secret_key_id FROM approval.webhook_subscription"
            + " WHERE id = '"
            + webhook
            + "'",
        rows -> {
          List<String> ids = new ArrayList<>();
          while (rows.next()) {
            ids.add(rows.getString(1));
            if (rows.getString(2) != null) {
              ids.add(rows.getString(2));
            }
          }
          return ids;
        });
  }

  private static UUID lockFirstSubscription(Connection owner) throws SQLException {
    try (PreparedStatement statement =
            owner.prepareStatement(
                "SELECT id FROM approval.webhook_subscription ORDER BY id LIMIT 1 FOR UPDATE");
        ResultSet rows = statement.executeQuery()) {
      rows.next();
      return rows.getObject(1, UUID.class);
    }
  }

  /** What a test does with a running service. */
  private interface WithService {
    void accept(EmbeddedServer service) throws Exception;
  }

  private interface RowReader<T> {
    T read(ResultSet rows) throws SQLException;
  }

  private <T> T query(String sql, RowReader<T> reader) {
    try (Connection connection = ownerConnection();
        PreparedStatement statement = connection.prepareStatement(sql);
        ResultSet rows = statement.executeQuery()) {
      return reader.read(rows);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The schema owner's connection (a superuser in tests): it sees every tenant's rows. */
  private Connection ownerConnection() throws SQLException {
    return DriverManager.getConnection(
        (String) infrastructure.get("agentplane.db.url"),
        (String) infrastructure.get("agentplane.db.user"),
        (String) infrastructure.get("agentplane.db.password"));
  }

  private static Logger rootLogger() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private List<String> logLines() {
    synchronized (logs.list) {
      return logs.list.stream()
          .map(
              event ->
                  event.getFormattedMessage()
                      + (event.getThrowableProxy() == null
                          ? ""
                          : ThrowableProxyUtil.asString(event.getThrowableProxy())))
          .toList();
    }
  }

  /** Whether some log line holds every one of the parts. */
  private boolean logged(String... parts) {
    return logLines().stream().anyMatch(line -> Stream.of(parts).allMatch(line::contains));
  }

  /** No log line holds a secret, whole or as the key after {@code whsec_}. */
  private void assertNoSecretLogged(List<Holder> holders) {
    List<String> lines = logLines();
    assertThat(lines).isNotEmpty();
    holders.stream()
        .flatMap(Holder::secrets)
        .flatMap(secret -> Stream.of(secret, secret.substring("whsec_".length())))
        .forEach(
            secret -> assertThat(lines).noneSatisfy(line -> assertThat(line).contains(secret)));
  }
}
