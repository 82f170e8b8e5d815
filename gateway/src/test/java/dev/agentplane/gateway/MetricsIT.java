package dev.agentplane.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The gateway's request metric as Prometheus scrapes it: {@code
 * agentplane_gateway_requests_seconds{route,status,tenant}} moves by one per request in the right
 * series, and the tenant label stays bounded. The execution upstream is stopped (for a 502); the
 * tenant cap is configured small, and only the cap test uses tenants that are not named.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {

  private static final String SERIES = "agentplane_gateway_requests_seconds_count";
  private static final Pattern SAMPLE =
      Pattern.compile("^" + SERIES + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final int DYNAMIC_TENANT_CAP = 2;

  private final TestTokens tokens = TestTokens.standard();
  private final String namedTenant = "named-" + UUID.randomUUID();
  private StubUpstream registry;
  private StubUpstream approval;
  private RunningGateway gateway;

  @BeforeAll
  void start() {
    registry = StubUpstream.start("registry");
    approval = StubUpstream.start("approval");
    String stoppedExecution = StubUpstream.urlOfAStoppedUpstream("execution");
    Map<String, Object> properties =
        RunningGateway.properties(
            TestPostgres.get().createDatabase("MetricsIT"),
            registry.url(),
            stoppedExecution,
            approval.url());
    properties.put("agentplane.gateway.telemetry.named-tenants", List.of(namedTenant));
    properties.put("agentplane.gateway.telemetry.max-dynamic-tenants", DYNAMIC_TENANT_CAP);
    gateway = RunningGateway.start(properties);
  }

  @AfterAll
  void stop() {
    gateway.close();
    registry.close();
    approval.close();
  }

  @Test
  void eachRequestMovesTheSeriesOfItsRouteStatusClassAndTenantByOne() {
    String token = tokens.user(namedTenant, "alice", "viewer");
    Map<Map<String, String>, Double> before = scrape();

    assertThat(gateway.get("/v1/agents/a1", token).statusCode()).isEqualTo(200);
    assertThat(gateway.get("/v1/tools/t1", token).statusCode()).isEqualTo(200);
    assertThat(gateway.get("/v1/agents/missing", token).statusCode()).isEqualTo(404);
    assertThat(gateway.get("/v1/agents/a1", null).statusCode()).isEqualTo(401);
    assertThat(gateway.get("/v1/runs/r1", token).statusCode()).isEqualTo(502);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              Map<Map<String, String>, Double> after = scrape();
              assertThat(moved(before, after, "registry", "2xx", namedTenant)).isEqualTo(2.0);
              assertThat(moved(before, after, "registry", "4xx", namedTenant)).isEqualTo(1.0);
              // Refused by security before any route: the gateway answered, for nobody.
              assertThat(moved(before, after, "gateway", "4xx", "anonymous")).isEqualTo(1.0);
              assertThat(moved(before, after, "execution", "5xx", namedTenant)).isEqualTo(1.0);
              assertThat(moved(before, after, "registry", "5xx", namedTenant)).isZero();
              assertThat(moved(before, after, "execution", "2xx", namedTenant)).isZero();
            });
  }

  @Test
  void everySeriesCarriesOnlyTheDocumentedLabelsWithAStatusClass() {
    gateway.get("/v1/agents/a1", tokens.user(namedTenant, "alice", "viewer"));

    Map<Map<String, String>, Double> scraped = scrape();

    assertThat(scraped).isNotEmpty();
    assertThat(scraped.keySet())
        .allSatisfy(
            labels -> {
              assertThat(labels).containsOnlyKeys("route", "status", "tenant");
              assertThat(labels.get("status")).matches("[1-5]xx");
              assertThat(labels.get("route")).isIn("gateway", "registry", "execution", "approval");
            });
  }

  @Test
  void tenantsBeyondTheDynamicCapAreCountedAsOtherWhileNamedTenantsKeepTheirName() {
    List<String> flood =
        IntStream.range(0, DYNAMIC_TENANT_CAP + 3)
            .mapToObj(n -> "flood-" + UUID.randomUUID())
            .toList();
    Map<Map<String, String>, Double> before = scrape();

    for (String tenant : flood) {
      assertThat(gateway.get("/v1/agents/a1", tokens.user(tenant, "bob", "viewer")).statusCode())
          .isEqualTo(200);
    }
    assertThat(
            gateway.get("/v1/agents/a1", tokens.user(namedTenant, "alice", "viewer")).statusCode())
        .isEqualTo(200);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              Map<Map<String, String>, Double> after = scrape();
              for (String named : flood.subList(0, DYNAMIC_TENANT_CAP)) {
                assertThat(moved(before, after, "registry", "2xx", named)).as(named).isEqualTo(1.0);
              }
              for (String beyond : flood.subList(DYNAMIC_TENANT_CAP, flood.size())) {
                assertThat(tenantsIn(after)).as(beyond).doesNotContain(beyond);
              }
              assertThat(moved(before, after, "registry", "2xx", "other"))
                  .isEqualTo((double) (flood.size() - DYNAMIC_TENANT_CAP));
              assertThat(moved(before, after, "registry", "2xx", namedTenant)).isEqualTo(1.0);
            });
    assertThat(tenantsIn(scrape()))
        .as("named, anonymous, other and at most the cap of dynamic tenants")
        .hasSizeLessThanOrEqualTo(DYNAMIC_TENANT_CAP + 3);
  }

  /** Every sample of the request counter, keyed by its labels. */
  private Map<Map<String, String>, Double> scrape() {
    HttpResponse<String> response = gateway.get("/prometheus", null);
    assertThat(response.statusCode()).isEqualTo(200);
    Map<Map<String, String>, Double> samples = new HashMap<>();
    Matcher sample = SAMPLE.matcher(response.body());
    while (sample.find()) {
      Map<String, String> labels = new HashMap<>();
      Matcher label = LABEL.matcher(sample.group(1));
      while (label.find()) {
        labels.put(label.group(1), label.group(2));
      }
      samples.put(Map.copyOf(labels), Double.parseDouble(sample.group(2)));
    }
    return samples;
  }

  private static double moved(
      Map<Map<String, String>, Double> before,
      Map<Map<String, String>, Double> after,
      String route,
      String status,
      String tenant) {
    Map<String, String> series = Map.of("route", route, "status", status, "tenant", tenant);
    return after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0);
  }

  private static List<String> tenantsIn(Map<Map<String, String>, Double> samples) {
    return samples.keySet().stream().map(labels -> labels.get("tenant")).distinct().toList();
  }
}
