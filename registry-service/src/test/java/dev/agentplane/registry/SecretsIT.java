package dev.agentplane.registry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.context.ApplicationContext;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * Tenant secrets: admins manage names and values, values are sealed at rest (AES-GCM bound to the
 * tenant and name) and released only to internal services, and never show up in another response or
 * in a log line.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretsIT extends RegistryTestSupport {

  @Inject ApplicationContext context;

  /** A row of {@code registry.secret} as stored. */
  private record StoredSecret(String keyId, byte[] nonce, byte[] ciphertext) {}

  private static String body(String value) {
    return ServiceApi.JSON.createObjectNode().put("value", value).toString();
  }

  private static String aSecretValue() {
    // Letters and digits only, so a parser quoting an unquoted value back quotes all of it.
    return "sklive" + UUID.randomUUID().toString().replace("-", "");
  }

  @Test
  void puttingANewNameCreatesAndPuttingItAgainReplaces() {
    String tenant = newTenant();
    String admin = user(tenant, "admin");
    String internal = service(tenant, "internal");

    Reply created = api().put("/v1/secrets/API_KEY", admin, body("first"), Map.of());
    Reply replaced = api().put("/v1/secrets/API_KEY", admin, body("second"), Map.of());

    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    assertThat(replaced.status()).as(replaced.raw()).isEqualTo(204);
    Reply revealed = api().get("/v1/secrets/API_KEY/value", internal);
    assertThat(revealed.status()).isEqualTo(200);
    assertThat(revealed.body().path("name").asText()).isEqualTo("API_KEY");
    assertThat(revealed.body().path("value").asText()).isEqualTo("second");
    assertThat(revealed.header("Cache-Control")).contains("no-store");
  }

  @Test
  void theListShowsNamesAndWhoSetThemWhenButNeverValues() {
    String tenant = newTenant();
    String first = tokens.user(tenant, "alice", "admin");
    String second = tokens.user(tenant, "bob", "admin");
    String value = aSecretValue();
    Instant before = Instant.now().minusSeconds(5);
    api().put("/v1/secrets/WEBHOOK_TOKEN", first, body(value), Map.of());
    api().put("/v1/secrets/API_KEY", first, body(value), Map.of());
    api().put("/v1/secrets/API_KEY", second, body(value + "-2"), Map.of());

    Reply list = api().get("/v1/secrets", first);

    assertThat(list.status()).isEqualTo(200);
    JsonNode items = list.body().path("items");
    assertThat(items.findValuesAsText("name")).containsExactly("API_KEY", "WEBHOOK_TOKEN");
    JsonNode apiKey = items.get(0);
    assertThat(apiKey.path("createdBy").asText()).isEqualTo("alice");
    assertThat(apiKey.path("updatedBy").asText()).isEqualTo("bob");
    assertThat(Instant.parse(apiKey.path("createdAt").asText())).isAfter(before);
    assertThat(Instant.parse(apiKey.path("updatedAt").asText()))
        .isAfterOrEqualTo(Instant.parse(apiKey.path("createdAt").asText()));
    items.forEach(
        item ->
            assertThat(item.fieldNames())
                .toIterable()
                .containsExactlyInAnyOrder(
                    "name", "createdBy", "createdAt", "updatedBy", "updatedAt"));
    assertThat(list.raw()).doesNotContain(value);
  }

  @Test
  void aDeletedSecretIsGoneAndDeletingItAgainIsNotFound() {
    String tenant = newTenant();
    String admin = user(tenant, "admin");
    api().put("/v1/secrets/API_KEY", admin, body("v"), Map.of());

    Reply deleted = api().delete("/v1/secrets/API_KEY", admin);

    assertThat(deleted.status()).isEqualTo(204);
    assertProblem(api().delete("/v1/secrets/API_KEY", admin), 404, "not-found");
    assertProblem(
        api().get("/v1/secrets/API_KEY/value", service(tenant, "internal")), 404, "not-found");
    assertThat(api().get("/v1/secrets", admin).body().path("items")).isEmpty();
  }

  @Test
  void aValueIsReleasedOnlyToAnInternalServiceOfTheSameTenant() {
    String tenant = newTenant();
    String value = aSecretValue();
    api().put("/v1/secrets/API_KEY", user(tenant, "admin"), body(value), Map.of());

    Reply toInternal = api().get("/v1/secrets/API_KEY/value", service(tenant, "internal"));
    Reply toAdmin = api().get("/v1/secrets/API_KEY/value", user(tenant, "admin"));
    Reply toPlainService = api().get("/v1/secrets/API_KEY/value", service(tenant, "admin"));
    Reply toOtherTenant = api().get("/v1/secrets/API_KEY/value", service(newTenant(), "internal"));

    assertThat(toInternal.status()).isEqualTo(200);
    assertThat(toInternal.body().path("value").asText()).isEqualTo(value);
    assertThat(toInternal.header("Cache-Control")).contains("no-store");
    assertProblem(toAdmin, 403, "forbidden");
    assertProblem(toPlainService, 403, "forbidden");
    assertProblem(toOtherTenant, 404, "not-found");
    for (Reply refused : List.of(toAdmin, toPlainService, toOtherTenant)) {
      assertThat(refused.raw()).doesNotContain(value);
    }
  }

  @Test
  void anInvalidSecretNameIsUnprocessableAndStoresNothing() {
    String tenant = newTenant();
    String admin = user(tenant, "admin");

    for (String name : List.of("api_key", "Api-Key", "1KEY", "_KEY", "A".repeat(65))) {
      Reply reply = api().put("/v1/secrets/" + name, admin, body("v"), Map.of());
      assertProblem(reply, 422, "validation-failed");
      assertThat(reply.errorPointers()).as(name).containsExactly("/name");
    }
    assertThat(api().get("/v1/secrets", admin).body().path("items")).isEmpty();
  }

  @Test
  void anEmptyValueIsUnprocessable() {
    String tenant = newTenant();
    String admin = user(tenant, "admin");

    Reply reply = api().put("/v1/secrets/API_KEY", admin, body(""), Map.of());

    assertProblem(reply, 422, "validation-failed");
    assertThat(reply.errorPointers()).containsExactly("/value");
    assertThat(api().get("/v1/secrets", admin).body().path("items")).isEmpty();
  }

  @Test
  void aValueThatIsNotAJsonStringIsABadRequestNamingValue() {
    String tenant = newTenant();
    String admin = user(tenant, "admin");

    for (String value : List.of("[\"abc\"]", "123", "true", "{\"a\": 1}")) {
      Reply reply = api().put("/v1/secrets/API_KEY", admin, "{\"value\": " + value + "}", Map.of());
      assertProblem(reply, 400, "invalid-request");
      assertThat(reply.errorPointers()).as(value).containsExactly("/value");
    }
    assertThat(api().get("/v1/secrets", admin).body().path("items")).isEmpty();
  }

  @Test
  void valuesAreEncryptedAtRestWithAFreshNonceEachTime() throws SQLException {
    String tenant = newTenant();
    String admin = user(tenant, "admin");
    String value = aSecretValue();

    api().put("/v1/secrets/API_KEY", admin, body(value), Map.of());
    StoredSecret first = stored(tenant, "API_KEY");
    api().put("/v1/secrets/API_KEY", admin, body(value), Map.of());
    StoredSecret second = stored(tenant, "API_KEY");

    byte[] plaintext = value.getBytes(StandardCharsets.UTF_8);
    for (StoredSecret row : List.of(first, second)) {
      assertThat(indexOf(row.ciphertext(), plaintext)).isEqualTo(-1);
      assertThat(new String(row.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain(value);
      // AES-GCM: the ciphertext is as long as the plaintext plus a 16-byte tag.
      assertThat(row.ciphertext()).hasSize(plaintext.length + 16);
      assertThat(row.nonce()).hasSize(12);
    }
    assertThat(second.nonce()).isNotEqualTo(first.nonce());
    assertThat(second.ciphertext()).isNotEqualTo(first.ciphertext());
    assertThat(
            api()
                .get("/v1/secrets/API_KEY/value", service(tenant, "internal"))
                .body()
                .path("value")
                .asText())
        .isEqualTo(value);
  }

  @Test
  void aSealedValueCopiedOntoAnotherNameOrTenantDoesNotOpen() throws SQLException {
    String tenant = newTenant();
    String otherTenant = newTenant();
    String value = aSecretValue();
    String decoy = aSecretValue();
    api().put("/v1/secrets/API_KEY", user(tenant, "admin"), body(value), Map.of());
    api().put("/v1/secrets/OTHER_KEY", user(tenant, "admin"), body(decoy), Map.of());
    api().put("/v1/secrets/API_KEY", user(otherTenant, "admin"), body(decoy), Map.of());

    copySealedValue(tenant, "API_KEY", tenant, "OTHER_KEY");
    copySealedValue(tenant, "API_KEY", otherTenant, "API_KEY");

    Reply otherName = api().get("/v1/secrets/OTHER_KEY/value", service(tenant, "internal"));
    Reply otherTenantsRow =
        api().get("/v1/secrets/API_KEY/value", service(otherTenant, "internal"));
    for (Reply reply : List.of(otherName, otherTenantsRow)) {
      assertProblem(reply, 500, "internal-error");
      assertThat(reply.raw()).doesNotContain(value).doesNotContain(decoy);
    }
    assertThat(
            api()
                .get("/v1/secrets/API_KEY/value", service(tenant, "internal"))
                .body()
                .path("value")
                .asText())
        .as("the original row still opens")
        .isEqualTo(value);
  }

  @Test
  void aSecretValueNeverAppearsInALogLineOrAnyOtherResponse() throws SQLException {
    String tenant = newTenant();
    String admin = user(tenant, "admin");
    String internal = service(tenant, "internal");
    String value = aSecretValue();
    List<Reply> replies = new ArrayList<>();
    List<ILoggingEvent> logged;
    Reply revealed;

    try (CapturedLogs logs = CapturedLogs.start()) {
      replies.add(api().put("/v1/secrets/API_KEY", admin, body(value), Map.of()));
      replies.add(api().put("/v1/secrets/API_KEY", admin, body(value), Map.of()));
      replies.add(api().put("/v1/secrets/COPY_KEY", admin, body(value), Map.of()));
      replies.add(api().get("/v1/secrets", admin));
      revealed = api().get("/v1/secrets/API_KEY/value", internal);
      // Failing calls that carry the value, or would release it.
      replies.add(api().get("/v1/secrets/API_KEY/value", admin));
      replies.add(api().put("/v1/secrets/api-key", admin, body(value), Map.of()));
      replies.add(
          api().put("/v1/secrets/API_KEY", admin, "{\"value\": \"" + value + "\"", Map.of()));
      replies.add(
          api().put("/v1/secrets/API_KEY", admin, "{\"value\": \"" + value + "\" x}", Map.of()));
      replies.add(
          api()
              .put(
                  "/v1/secrets/API_KEY",
                  admin,
                  "{\"value\": \"" + value + "\", \"bogus\": 1}",
                  Map.of()));
      replies.add(api().put("/v1/secrets/API_KEY", admin, "{\"value\": " + value + "}", Map.of()));
      replies.add(
          api().put("/v1/secrets/API_KEY", admin, "{\"value\": [\"" + value + "\"]}", Map.of()));
      replies.add(
          api()
              .put(
                  "/v1/secrets/API_KEY",
                  admin,
                  "{\"value\": \"" + value + "\"}",
                  Map.of("Content-Type", "text/plain")));
      replies.add(api().put("/v1/secrets/HUGE_KEY", admin, body(value.repeat(3000)), Map.of()));
      copySealedValue(tenant, "OTHER_SOURCE", tenant, "COPY_KEY", value);
      replies.add(api().get("/v1/secrets/COPY_KEY/value", internal));
      logged = logs.events();
    }

    assertThat(revealed.status()).isEqualTo(200);
    assertThat(revealed.body().path("value").asText()).isEqualTo(value);
    assertThat(replies).extracting(Reply::status).contains(201, 204, 200, 403);
    for (Reply reply : replies) {
      assertThat(reply.raw()).as("HTTP %d response", reply.status()).doesNotContain(value);
      reply.headers().values().forEach(v -> assertThat(v.toString()).doesNotContain(value));
    }
    assertThat(logged).as("the capture works at all").isNotEmpty();
    for (ILoggingEvent event : logged) {
      assertThat(event.getFormattedMessage()).doesNotContain(value);
      if (event.getThrowableProxy() != null) {
        assertThat(ThrowableProxyUtil.asString(event.getThrowableProxy())).doesNotContain(value);
      }
      assertThat(String.valueOf(event.getMDCPropertyMap())).doesNotContain(value);
    }
    assertThat(replies.stream().filter(reply -> reply.status() >= 400))
        .as("the failing calls failed")
        .hasSize(replies.size() - 4);
  }

  /** Everything logged between {@link #start()} and {@link #close()}, with debug logging on. */
  private static final class CapturedLogs implements AutoCloseable {

    private static final List<String> VERBOSE = List.of("dev.agentplane", "io.micronaut.http");

    private final Logger root;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Map<String, Level> previous = new java.util.HashMap<>();

    private CapturedLogs() {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      for (String name : VERBOSE) {
        Logger logger = context.getLogger(name);
        previous.put(name, logger.getLevel());
        logger.setLevel(Level.TRACE);
      }
      appender.setContext(context);
      appender.start();
      root.addAppender(appender);
    }

    static CapturedLogs start() {
      return new CapturedLogs();
    }

    List<ILoggingEvent> events() {
      synchronized (appender.list) {
        return List.copyOf(appender.list);
      }
    }

    @Override
    public void close() {
      root.detachAppender(appender);
      appender.stop();
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      previous.forEach((name, level) -> context.getLogger(name).setLevel(level));
    }
  }

  /** The schema owner's login, as a DBA looking at (or tampering with) the table would use. */
  private Connection connection() throws SQLException {
    return DriverManager.getConnection(
        context.getRequiredProperty("agentplane.db.url", String.class),
        context.getProperty("agentplane.db.user", String.class).orElse(""),
        context.getProperty("agentplane.db.password", String.class).orElse(""));
  }

  private StoredSecret stored(String tenant, String name) throws SQLException {
    try (Connection connection = connection();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT key_id, nonce, ciphertext FROM registry.secret"
                    + " WHERE tenant_id = ? AND name = ?")) {
      select.setString(1, tenant);
      select.setString(2, name);
      try (ResultSet rows = select.executeQuery()) {
        assertThat(rows.next()).as("row %s/%s", tenant, name).isTrue();
        return new StoredSecret(
            rows.getString("key_id"), rows.getBytes("nonce"), rows.getBytes("ciphertext"));
      }
    }
  }

  /** Overwrites the sealed value of one row with another's, as a tampering DBA would. */
  private void copySealedValue(String fromTenant, String fromName, String toTenant, String toName)
      throws SQLException {
    StoredSecret source = stored(fromTenant, fromName);
    try (Connection connection = connection();
        PreparedStatement update =
            connection.prepareStatement(
                "UPDATE registry.secret SET key_id = ?, nonce = ?, ciphertext = ?"
                    + " WHERE tenant_id = ? AND name = ?")) {
      update.setString(1, source.keyId());
      update.setBytes(2, source.nonce());
      update.setBytes(3, source.ciphertext());
      update.setString(4, toTenant);
      update.setString(5, toName);
      assertThat(update.executeUpdate()).isEqualTo(1);
      if (!connection.getAutoCommit()) {
        connection.commit();
      }
    }
  }

  /**
   * Puts {@code value} under {@code fromName} and copies its sealed row onto {@code toName}, so
   * opening {@code toName} fails on a row whose plaintext is {@code value}.
   */
  private void copySealedValue(
      String tenant, String fromName, String toTenant, String toName, String value)
      throws SQLException {
    assertThat(
            api()
                .put("/v1/secrets/" + fromName, user(tenant, "admin"), body(value), Map.of())
                .status())
        .isEqualTo(201);
    copySealedValue(tenant, fromName, toTenant, toName);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
