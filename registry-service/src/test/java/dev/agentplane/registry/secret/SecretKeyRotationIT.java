package dev.agentplane.registry.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentplane.contracts.Topics;
import dev.agentplane.kit.sealing.ResealBatch;
import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestTokens;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Rotating the secrets master key: values sealed with key A are re-sealed with key B in committed
 * batches; a run stopped half-way leaves every value readable (both keys open) and the next start
 * finishes it; afterwards every value opens with key B alone, and running again changes nothing.
 */
class SecretKeyRotationIT implements RealInfrastructure {

  private static final String KEY_A = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  private static final String KEY_B = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

  private final TestTokens tokens = TestTokens.standard();
  private final Map<String, Object> infrastructure = new HashMap<>();

  /** One row of {@code registry.secret} as stored. */
  private record Stored(String keyId, byte[] nonce, byte[] ciphertext) {
    boolean sameAs(Stored other) {
      return keyId.equals(other.keyId)
          && Arrays.equals(nonce, other.nonce)
          && Arrays.equals(ciphertext, other.ciphertext);
    }
  }

  @Test
  void aRotationStoppedHalfWayIsFinishedByTheNextStartAndRunningItAgainIsANoOp() {
    TestKafka.get().createTopics(Topics.ALL.toArray(String[]::new));
    infrastructure.putAll(getProperties());
    // Two tenants, so a pass crosses tenants in primary-key order.
    Map<String, Map<String, String>> values = new LinkedHashMap<>();
    values.put("t-" + UUID.randomUUID(), newValues(4));
    values.put("t-" + UUID.randomUUID(), newValues(3));

    withService(
        Map.of("a", KEY_A),
        "a",
        true,
        service -> values.forEach((tenant, secrets) -> put(service, tenant, secrets)));
    assertThat(countByKey()).isEqualTo(Map.of("a", 7L));

    // Key B becomes current beside A; the service stops after two batches of two.
    withService(
        Map.of("a", KEY_A, "b", KEY_B),
        "b",
        false,
        service -> {
          SecretResealing resealing =
              service.getApplicationContext().getBean(SecretResealing.class);
          SecretResealing.Position from = SecretResealing.Position.START;
          for (int i = 0; i < 2; i++) {
            ResealBatch<SecretResealing.Position> batch = resealing.resealBatch(from, 2);
            assertThat(batch.resealed()).isEqualTo(2);
            from = batch.next();
          }
          assertThat(countByKey()).isEqualTo(Map.of("a", 3L, "b", 4L));
          // Mid-rotation, values on either key are read.
          assertEveryValueReads(service, values);
        });
    assertThat(countByKey())
        .as("what the stopped run committed")
        .isEqualTo(Map.of("a", 3L, "b", 4L));

    // The next start finishes the job in the background.
    withService(
        Map.of("a", KEY_A, "b", KEY_B),
        "b",
        true,
        service ->
            await("the rest to be re-sealed")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> countByKey().equals(Map.of("b", 7L))));

    Map<String, Stored> afterRotation = storedRows();
    // Key A is gone: every value opens with B alone; re-running re-seals nothing.
    withService(
        Map.of("b", KEY_B),
        "b",
        false,
        service -> {
          assertEveryValueReads(service, values);
          SecretResealJob job =
              new SecretResealJob(
                  service.getApplicationContext().getBean(SecretResealing.class),
                  new SecretResealSettings(true, 2));
          assertThat(job.resealAll()).isZero();
        });
    Map<String, Stored> afterRerun = storedRows();
    assertThat(afterRerun.keySet()).isEqualTo(afterRotation.keySet());
    afterRotation.forEach(
        (row, stored) ->
            assertThat(afterRerun.get(row).sameAs(stored)).as("%s unchanged", row).isTrue());
  }

  @Test
  void aValueWhoseKeyIsNoLongerConfiguredIsSkippedNotLooped() {
    TestKafka.get().createTopics(Topics.ALL.toArray(String[]::new));
    infrastructure.putAll(getProperties());
    String tenant = "t-" + UUID.randomUUID();
    withService(Map.of("a", KEY_A), "a", true, service -> put(service, tenant, newValues(1)));
    withService(
        Map.of("b", KEY_B),
        "b",
        false,
        service -> {
          SecretResealing resealing =
              service.getApplicationContext().getBean(SecretResealing.class);
          ResealBatch<SecretResealing.Position> batch =
              resealing.resealBatch(SecretResealing.Position.START, 10);
          assertThat(batch.resealed()).isZero();
          assertThat(batch.unopenable()).isEqualTo(1);
          assertThat(batch.next()).as("the pass ends").isNull();
        });
    assertThat(countByKey()).isEqualTo(Map.of("a", 1L));
  }

  private static Map<String, String> newValues(int count) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      values.put("KEY_" + i, "value-" + i + "-" + UUID.randomUUID());
    }
    return values;
  }

  private void put(EmbeddedServer service, String tenant, Map<String, String> secrets) {
    String admin = tokens.user(tenant, "alice", "admin");
    secrets.forEach(
        (name, value) -> {
          Reply reply =
              new ServiceApi(service.getURI())
                  .put(
                      "/v1/secrets/" + name,
                      admin,
                      ServiceApi.JSON.createObjectNode().put("value", value).toString(),
                      Map.of());
          assertThat(reply.status()).as(reply.raw()).isEqualTo(201);
        });
  }

  private void assertEveryValueReads(
      EmbeddedServer service, Map<String, Map<String, String>> values) {
    values.forEach(
        (tenant, secrets) -> {
          String internal = tokens.service(tenant, "execution", "internal");
          secrets.forEach(
              (name, value) -> {
                Reply reply =
                    new ServiceApi(service.getURI())
                        .get("/v1/secrets/" + name + "/value", internal);
                assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
                assertThat(reply.body().path("value").asText()).isEqualTo(value);
              });
        });
  }

  /** Starts the registry with these master keys, runs {@code use}, and stops it. */
  private void withService(
      Map<String, String> keys,
      String currentKeyId,
      boolean resealOnStartup,
      Consumer<EmbeddedServer> use) {
    Map<String, Object> properties = new HashMap<>(infrastructure);
    keys.forEach((id, key) -> properties.put("agentplane.registry.secrets.keys." + id, key));
    properties.put("agentplane.registry.secrets.current-key-id", currentKeyId);
    properties.put("agentplane.registry.secrets.reseal.on-startup", resealOnStartup);
    properties.put("agentplane.registry.secrets.reseal.batch-size", 2);
    try (ApplicationContext context =
        ApplicationContext.run(EmbeddedServer.class, properties).getApplicationContext()) {
      use.accept(context.getBean(EmbeddedServer.class));
    }
  }

  private Map<String, Long> countByKey() {
    return query(
        "SELECT key_id, count(*) FROM registry.secret GROUP BY key_id",
        rows -> {
          Map<String, Long> counts = new HashMap<>();
          while (rows.next()) {
            counts.put(rows.getString(1), rows.getLong(2));
          }
          return counts;
        });
  }

  private Map<String, Stored> storedRows() {
    return query(
        "SELECT tenant_id, name, key_id, nonce, ciphertext FROM registry.secret",
        rows -> {
          Map<String, Stored> stored = new HashMap<>();
          while (rows.next()) {
            stored.put(
                rows.getString(1) + "/" + rows.getString(2),
                new Stored(rows.getString(3), rows.getBytes(4), rows.getBytes(5)));
          }
          return stored;
        });
  }

  private interface RowReader<T> {
    T read(ResultSet rows) throws SQLException;
  }

  private <T> T query(String sql, RowReader<T> reader) {
    try (Connection connection =
            DriverManager.getConnection(
                (String) infrastructure.get("agentplane.db.url"),
                (String) infrastructure.get("agentplane.db.user"),
                (String) infrastructure.get("agentplane.db.password"));
        PreparedStatement statement = connection.prepareStatement(sql);
        ResultSet rows = statement.executeQuery()) {
      return reader.read(rows);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
