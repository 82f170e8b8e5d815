package dev.agentplane.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Per-tenant and per-principal limits by tier: the request past the limit is a 429 with {@code
 * Retry-After} and the rate-limit headers, and other tenants are unaffected. Once with buckets in
 * memory, once with two gateway instances sharing their buckets through PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitIT {

  private static final int TENANT_LIMIT = 5;
  private static final int PRINCIPAL_LIMIT = 3;

  private final TestTokens tokens = TestTokens.standard();
  private final StubUpstream upstream = StubUpstream.start("registry");
  private final List<RunningGateway> gateways = new ArrayList<>();

  @AfterAll
  void stop() {
    gateways.forEach(RunningGateway::close);
    upstream.close();
  }

  @Test
  void inMemoryTheRequestPastTheTenantLimitIsRefusedAndOtherTenantsAreNot() {
    RunningGateway gateway =
        start(TestPostgres.get().createDatabase("RateLimitIT_memory"), "memory");

    assertTenantLimitHolds(gateway, gateway);
  }

  @Test
  void inMemoryEachPrincipalHasItsOwnLimitWithinTheTenant() {
    RunningGateway gateway =
        start(TestPostgres.get().createDatabase("RateLimitIT_principal"), "memory");
    String tenant = "tenant-" + UUID.randomUUID();

    for (int i = 0; i < PRINCIPAL_LIMIT; i++) {
      assertThat(gateway.get("/v1/agents/p", tokens.user(tenant, "alice", "viewer")).statusCode())
          .isEqualTo(200);
    }
    HttpResponse<String> refused =
        gateway.get("/v1/agents/p", tokens.user(tenant, "alice", "viewer"));
    HttpResponse<String> colleague =
        gateway.get("/v1/agents/p", tokens.user(tenant, "bob", "viewer"));

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("RateLimit"))
        .hasValueSatisfying(value -> assertThat(value).startsWith("\"principal\";r=0;t="));
    assertThat(colleague.statusCode()).isEqualTo(200);
  }

  @Test
  void aPrincipalsRefusedRequestsDoNotSpendItsTenantsAllowance() {
    RunningGateway gateway =
        start(TestPostgres.get().createDatabase("RateLimitIT_flood"), "memory");
    String tenant = "tenant-" + UUID.randomUUID();

    for (int i = 0; i < PRINCIPAL_LIMIT + 10; i++) {
      gateway.get("/v1/agents/p", tokens.user(tenant, "alice", "viewer"));
    }
    HttpResponse<String> colleague =
        gateway.get("/v1/agents/p", tokens.user(tenant, "bob", "viewer"));

    // Alice got PRINCIPAL_LIMIT (< TENANT_LIMIT) requests through; her ten refused ones cost the
    // tenant nothing, so Bob still has the rest of the tenant's allowance.
    assertThat(colleague.statusCode()).as(colleague.body()).isEqualTo(200);
  }

  @Test
  void unsignedInboundMessagesHaveTheirOwnBucketPerClaimedTenantApartFromTheTenantsApi() {
    RunningGateway gateway =
        start(TestPostgres.get().createDatabase("RateLimitIT_inbound"), "memory");
    String tenant = "tenant-" + UUID.randomUUID();
    String inbound = "/v1/webhooks/inbound/" + tenant + "/decisions";

    for (int i = 0; i < PRINCIPAL_LIMIT; i++) {
      assertThat(gateway.get(inbound, null).statusCode()).as("message %d", i + 1).isEqualTo(200);
    }
    HttpResponse<String> refused = gateway.get(inbound, null);
    HttpResponse<String> otherTenant =
        gateway.get("/v1/webhooks/inbound/other-" + UUID.randomUUID() + "/decisions", null);
    HttpResponse<String> tenantsOwnApi =
        gateway.get("/v1/agents/p", tokens.user(tenant, "alice", "viewer"));

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(otherTenant.statusCode()).isEqualTo(200);
    assertThat(tenantsOwnApi.statusCode()).isEqualTo(200);
    assertThat(tenantsOwnApi.headers().firstValue("RateLimit"))
        .hasValueSatisfying(value -> assertThat(value).startsWith("\"principal\";r=2;"));
  }

  @Test
  void inPostgresTwoGatewaysShareOneTenantLimit() {
    TestPostgres.TestDatabase database = TestPostgres.get().createDatabase("RateLimitIT_shared");
    RunningGateway first = start(database, "postgres");
    RunningGateway second = start(database, "postgres");

    assertTenantLimitHolds(first, second);
  }

  /** Alternates the tenant's requests between two gateways (or one twice). */
  private void assertTenantLimitHolds(RunningGateway first, RunningGateway second) {
    String tenant = "tenant-" + UUID.randomUUID();
    for (int i = 0; i < TENANT_LIMIT; i++) {
      RunningGateway gateway = i % 2 == 0 ? first : second;
      // A different principal each time: only the tenant's limit can be reached.
      HttpResponse<String> allowed =
          gateway.get("/v1/agents/limited", tokens.user(tenant, "user-" + i, "viewer"));
      assertThat(allowed.statusCode()).as("request %d", i + 1).isEqualTo(200);
      assertThat(allowed.headers().firstValue("RateLimit-Policy"))
          .hasValue("\"tenant\";q=5;w=60, \"principal\";q=3;w=60");
    }

    HttpResponse<String> refused =
        second.get("/v1/agents/limited", tokens.user(tenant, "one-more", "viewer"));
    HttpResponse<String> otherTenant =
        first.get("/v1/agents/limited", tokens.user("other-" + UUID.randomUUID(), "x", "viewer"));

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(refused.body()).contains("https://agentplane.dev/problems/rate-limited");
    assertThat(refused.headers().firstValue("Retry-After"))
        .hasValueSatisfying(seconds -> assertThat(Long.parseLong(seconds)).isBetween(1L, 60L));
    assertThat(refused.headers().firstValue("RateLimit-Policy")).isPresent();
    assertThat(refused.headers().firstValue("RateLimit"))
        .hasValueSatisfying(value -> assertThat(value).startsWith("\"tenant\";r=0;t="));
    assertThat(otherTenant.statusCode()).isEqualTo(200);
  }

  private RunningGateway start(TestPostgres.TestDatabase database, String store) {
    Map<String, Object> properties =
        RunningGateway.properties(database, upstream.url(), upstream.url(), upstream.url());
    properties.put("agentplane.gateway.rate-limit.store", store);
    properties.put("agentplane.gateway.rate-limit.default-tier", "tiny");
    properties.put("agentplane.gateway.rate-limit.tiers.tiny.tenant-requests", TENANT_LIMIT);
    properties.put("agentplane.gateway.rate-limit.tiers.tiny.tenant-window", "60s");
    properties.put("agentplane.gateway.rate-limit.tiers.tiny.principal-requests", PRINCIPAL_LIMIT);
    properties.put("agentplane.gateway.rate-limit.tiers.tiny.principal-window", "60s");
    RunningGateway gateway = RunningGateway.start(properties);
    gateways.add(gateway);
    return gateway;
  }
}
