package dev.agentplane.execution.support;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.registry.AgentResolutions;
import dev.agentplane.execution.registry.ResolutionCacheSettings;
import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Base of the execution service's API tests: the service on real PostgreSQL and Kafka, the real
 * registry in a child process, an HTTP driver, and a fresh tenant per {@link #newTenant()}.
 */
public abstract class ExecutionTestSupport implements RealInfrastructure {

  protected static final Set<String> TERMINAL = RunClient.TERMINAL;

  /** The body of a request to start a run of {@code greeter}. */
  protected static final String GREETER_RUN = "{\"agent\":\"greeter\",\"input\":{}}";

  private static final Duration EVENTS_APPLIED_WITHIN = Duration.ofSeconds(20);
  private static final Duration DRAFT_AGAIN_AFTER = Duration.ofSeconds(1);

  protected final TestTokens tokens = TestTokens.standard();
  protected final RegistryFixture registry = new RegistryFixture();

  @Inject protected EmbeddedServer server;
  @Inject protected ApplicationContext context;

  protected ServiceApi api() {
    return new ServiceApi(server.getURI());
  }

  /** The run API of the service under test. */
  protected RunClient runs() {
    return new RunClient(server.getURI());
  }

  @Override
  public Map<String, String> getProperties() {
    // The run-request listener subscribes at start-up; its topic must exist by then.
    TestKafka.get().createTopics(Topics.ALL.toArray(String[]::new));
    Map<String, String> properties = new HashMap<>(RealInfrastructure.super.getProperties());
    properties.put("micronaut.http.services.registry.url", SharedRegistry.get().uri().toString());
    properties.put("agentplane.execution.outbound.allowed-hosts", "127.0.0.1");
    properties.put("agentplane.execution.workers.sweep-every", "1s");
    properties.putAll(settings());
    return properties;
  }

  /**
   * A connection of the schema's owner, in the service's schema, outside any transaction of the
   * service: to look at rows (or arrange them) across tenants, as an operator would. Row-level
   * security does not hold it (the tests' owner is a superuser); the service's own logins see
   * nothing outside a tenant's transaction.
   */
  protected Connection asOwner() throws SQLException {
    Connection connection =
        DriverManager.getConnection(
            context.getRequiredProperty("agentplane.db.url", String.class),
            context.getProperty("agentplane.db.user", String.class).orElse(""),
            context.getProperty("agentplane.db.password", String.class).orElse(""));
    connection.setSchema(context.getRequiredProperty("agentplane.service.schema", String.class));
    return connection;
  }

  /** Settings a test class needs on top of (or instead of) the defaults above. */
  protected Map<String, String> settings() {
    return Map.of();
  }

  protected static String newTenant() {
    return "t-" + UUID.randomUUID();
  }

  /** A user of {@code tenant} with the operator role, always the same one for a tenant. */
  protected String operator(String tenant) {
    return tokens.user(tenant, operatorSubject(tenant), "operator");
  }

  /** The {@code sub} of {@link #operator(String)}'s token. */
  protected static String operatorSubject(String tenant) {
    return "op-" + tenant.substring(2, 10);
  }

  /** Starts a production run as {@code token}; asserts the 202 and returns the run. */
  protected JsonNode start(String token, String body) {
    return runs().start(token, body);
  }

  /** Waits for the run to end and returns it as the API shows it then. */
  protected JsonNode awaitEnd(String token, JsonNode run) {
    return runs().awaitEnd(token, run);
  }

  /** Waits, up to {@code within}, for the run to show {@code status}; returns it then. */
  protected JsonNode awaitStatus(String token, JsonNode run, String status, Duration within) {
    return runs().awaitStatus(token, run, status, within);
  }

  /**
   * Opens the run's event stream ({@code GET /v1/runs/{id}/events}{@code query}) with these extra
   * headers; the caller closes it.
   */
  protected SseStream openEvents(
      String token, JsonNode run, String query, Map<String, String> headers) {
    return runs().openEvents(token, run, query, headers);
  }

  /** Every event of the run, read through its SSE stream from the start until the stream ends. */
  protected List<SseStream.SseEvent> events(String token, JsonNode run) {
    return runs().events(token, run);
  }

  /** The events with this name, in order. */
  protected static List<SseStream.SseEvent> named(List<SseStream.SseEvent> events, String name) {
    return events.stream().filter(event -> name.equals(event.name())).toList();
  }

  /** The event names in order. */
  protected static List<String> names(List<SseStream.SseEvent> events) {
    return events.stream().map(SseStream.SseEvent::name).toList();
  }

  protected JsonNode get(String token, String path) {
    return runs().get(token, path);
  }

  /**
   * Every run {@code token} lists under {@code query} (e.g. {@code status=succeeded&limit=3}),
   * following {@code nextCursor} to the last page; the runs in the order the pages gave them.
   */
  protected List<JsonNode> listAll(String token, String query) {
    List<JsonNode> runs = new ArrayList<>();
    String cursor = null;
    for (int page = 0; page < 1000; page++) {
      String path =
          "/v1/runs?"
              + query
              + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, UTF_8));
      JsonNode body = get(token, path);
      body.path("items").forEach(runs::add);
      if (!body.hasNonNull("nextCursor")) {
        return runs;
      }
      cursor = body.path("nextCursor").asText();
    }
    throw new AssertionError("GET /v1/runs?" + query + " never reached its last page");
  }

  /**
   * Waits until this instance has applied every registry lifecycle event enqueued so far, so that
   * none of them is yet to drop an answer intake remembers, and every later one is heard (its
   * listener starts from the newest offset once assigned, missing what came before).
   *
   * <p>The registry publishes its outbox in order, onto the topic's one partition, and this
   * instance applies the events in that order: once it applied an event of a tenant created now, it
   * applied all earlier ones. That shows as a run of the new tenant's agent asking the registry
   * after one was resolved from memory, sooner than the answer could have lapsed. Drafts of the
   * agent bring such events until one is seen. Needs intake's memory of the registry's answers on.
   */
  protected void awaitLifecycleEventsApplied() {
    String tenant = newTenant();
    UUID agent = registry.activeAgent(tenant, "greeter", AgentSpecs.answering("hello"));
    String token = operator(tenant);
    long ttl = context.getBean(ResolutionCacheSettings.class).ttl().toNanos();
    long deadline = System.nanoTime() + EVENTS_APPLIED_WITHIN.toNanos();
    // When the run whose answer is kept started: the answer lapses a ttl after that at the soonest.
    long keptSince = 0;
    boolean remembered = false;
    long nextDraftAt = System.nanoTime();
    while (System.nanoTime() - deadline < 0) {
      long started = System.nanoTime();
      double askedBefore = resolutions("asked");
      double rememberedBefore = resolutions("remembered");
      awaitEnd(token, start(token, GREETER_RUN));
      boolean asked = resolutions("asked") > askedBefore;
      boolean fromMemory = resolutions("remembered") > rememberedBefore;
      if (fromMemory && !asked) {
        remembered = true;
        if (System.nanoTime() - nextDraftAt >= 0) {
          registry.newAgentDraft(tenant, agent, AgentSpecs.answering("hello"));
          nextDraftAt = System.nanoTime() + DRAFT_AGAIN_AFTER.toNanos();
        }
      } else if (asked && !fromMemory) {
        if (remembered && System.nanoTime() - keptSince < ttl) {
          return;
        }
        keptSince = started;
        remembered = false;
      } else {
        // Another intake counted meanwhile: what this run's was is not known.
        remembered = false;
      }
    }
    throw new AssertionError(
        "No lifecycle event of tenant " + tenant + " was applied within " + EVENTS_APPLIED_WITHIN);
  }

  /**
   * Intake's agent resolutions so far with this {@code answer} tag ({@link
   * AgentResolutions#METRIC}).
   */
  protected double resolutions(String answer) {
    var counter =
        context
            .getBean(MeterRegistry.class)
            .find(AgentResolutions.METRIC)
            .tag("answer", answer)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  /** The ids of {@link #listAll}, in order. */
  protected List<String> listedIds(String token, String query) {
    return listAll(token, query).stream().map(run -> run.path("id").asText()).toList();
  }
}
