package dev.agentplane.approval.webhook;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.approval.ApprovalApplication;
import dev.agentplane.approval.SqlReads;
import dev.agentplane.approval.request.ApprovalNotice;
import dev.agentplane.kit.tenancy.TenantScope;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.core.type.Argument;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.transaction.TransactionOperations;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Webhook deliveries per second to a loopback receiver: not a test, a measurement (method and
 * figures in docs/benchmarks.md § Webhook deliveries; run by
 * infra/scripts/bench-webhook-deliveries.sh).
 *
 * <p>Starts the approval service in-process on the testkit's embedded PostgreSQL and Kafka,
 * subscribes {@code --subscriptions} receivers (one loopback HTTP server, 204 to everything),
 * queues {@code --notices} notices with the dispatcher stopped (each notice in its own transaction,
 * as the approval core publishes them), then starts the dispatcher and times how long it takes to
 * drain the backlog: every delivery signed, POSTed, answered and settled in PostgreSQL. A smaller
 * warm-up round runs first and is not reported.
 */
public final class WebhookDeliveryBenchmark {

  private WebhookDeliveryBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    int notices = Integer.parseInt(options.getOrDefault("notices", "2500"));
    int subscriptions = Integer.parseInt(options.getOrDefault("subscriptions", "4"));
    int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "16"));
    int warmupNotices = Integer.parseInt(options.getOrDefault("warmup-notices", "500"));

    AtomicLong received = new AtomicLong();
    HttpServer receiver =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
    receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    receiver.createContext(
        "/",
        exchange -> {
          try (exchange;
              InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            received.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
          }
        });
    receiver.start();

    TestPostgres.TestDatabase database = TestPostgres.get().createDatabase("webhook-bench");
    Map<String, Object> properties = new HashMap<>();
    // The owner migrates; the service logs in as its application and jobs roles.
    properties.put("agentplane.db.url", database.jdbcUrl());
    properties.put("agentplane.db.user", database.user());
    properties.put("agentplane.db.password", database.password());
    properties.put("agentplane.db.pool-size", Math.max(10, concurrency + 4));
    properties.put("kafka.bootstrap.servers", TestKafka.get().bootstrapServers());
    properties.put("agentplane.jwt.secret", TestTokens.SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("agentplane.approval.webhooks.require-https", false);
    properties.put("agentplane.approval.webhooks.allowed-hosts", "127.0.0.1");
    properties.put("agentplane.approval.webhooks.max-concurrency", concurrency);
    properties.put("agentplane.approval.webhooks.dispatcher-enabled", false);

    try (ApplicationContext context =
        Micronaut.build(new String[0])
            .mainClass(ApprovalApplication.class)
            .properties(properties)
            .start()) {
      ServiceApi api = new ServiceApi(context.getBean(EmbeddedServer.class).getURI());
      String tenant = "bench-" + UUID.randomUUID();
      String admin = TestTokens.standard().user(tenant, "bench", "admin");
      String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/";
      for (int i = 0; i < subscriptions; i++) {
        ServiceApi.Reply created =
            api.post(
                "/v1/webhooks",
                admin,
                WebhookTestSupport.subscriptionBody(url + i, ApprovalNotice.TYPE_DECIDED));
        if (created.status() != 201) {
          throw new IllegalStateException("Subscribing failed: " + created.raw());
        }
      }
      WebhookDispatcher dispatcher = context.getBean(WebhookDispatcher.class);
      @SuppressWarnings("unchecked")
      ApplicationEventPublisher<ApprovalNotice> publisher =
          context.getBean(Argument.of(ApplicationEventPublisher.class, ApprovalNotice.class));
      @SuppressWarnings("unchecked")
      TransactionOperations<Connection> transactions =
          context.getBean(Argument.of(TransactionOperations.class, Connection.class));

      System.out.printf(
          "webhook deliveries: %d subscriptions, %d notices (%d warm-up), concurrency %d%n",
          subscriptions, notices, warmupNotices, concurrency);
      round(
          "warm-up",
          tenant,
          warmupNotices,
          subscriptions,
          publisher,
          transactions,
          dispatcher,
          received);
      round(
          "measured",
          tenant,
          notices,
          subscriptions,
          publisher,
          transactions,
          dispatcher,
          received);
    } finally {
      receiver.stop(0);
    }
    System.exit(0); // the embedded broker's threads are not daemons
  }

  private static void round(
      String label,
      String tenant,
      int notices,
      int subscriptions,
      ApplicationEventPublisher<ApprovalNotice> publisher,
      TransactionOperations<Connection> transactions,
      WebhookDispatcher dispatcher,
      AtomicLong received) {
    dispatcher.stop();
    long receivedBefore = received.get();
    long succeededBefore = succeeded(tenant, transactions);
    long expected = (long) notices * subscriptions;

    Instant queueStart = Instant.now();
    for (int i = 0; i < notices; i++) {
      ApprovalNotice notice = notice(tenant, i);
      TenantScope.run(
          tenant,
          () ->
              transactions.executeWrite(
                  status -> {
                    publisher.publishEvent(notice);
                    return null;
                  }));
    }
    Duration queueing = Duration.between(queueStart, Instant.now());

    Instant drainStart = Instant.now();
    dispatcher.start();
    await()
        .atMost(Duration.ofMinutes(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> succeeded(tenant, transactions) - succeededBefore >= expected);
    Duration drain = Duration.between(drainStart, Instant.now());
    System.out.printf(
        "%-8s queued %d notices -> %d deliveries in %.2f s (%.0f notices/s); delivered and"
            + " settled in %.2f s: %.0f deliveries/s (receiver got %d)%n",
        label,
        notices,
        expected,
        queueing.toMillis() / 1000.0,
        notices / (queueing.toMillis() / 1000.0),
        drain.toMillis() / 1000.0,
        expected / (drain.toMillis() / 1000.0),
        received.get() - receivedBefore);
  }

  private static long succeeded(String tenant, TransactionOperations<Connection> transactions) {
    return TenantScope.call(
        tenant,
        () ->
            SqlReads.single(
                transactions,
                "SELECT count(*) FROM webhook_delivery WHERE status = 'succeeded'",
                row -> row.getLong(1)));
  }

  private static ApprovalNotice notice(String tenant, int sequence) {
    UUID approval = UUID.randomUUID();
    ObjectNode data =
        ServiceApi.JSON
            .createObjectNode()
            .put("id", approval.toString())
            .put("status", "approved")
            .put("tool", "payments.refund")
            .put("sequence", sequence);
    data.putObject("decision").put("by", "alice").put("outcome", "approve").put("reason", "ok");
    return new ApprovalNotice(
        UUID.randomUUID(),
        tenant,
        ApprovalNotice.TYPE_DECIDED,
        approval,
        Instant.now().truncatedTo(ChronoUnit.MILLIS),
        data);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].startsWith("--")) {
        options.put(args[i].substring(2), args[i + 1]);
      }
    }
    return options;
  }
}
