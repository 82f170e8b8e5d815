package dev.agentplane.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Honest failures: a stopped upstream is a 502 and a slow one a 504, both problem+json naming the
 * upstream; the gateway's health and readiness report the stopped upstream DOWN by name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamFailureIT {

  private final TestTokens tokens = TestTokens.standard();
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
            TestPostgres.get().createDatabase("UpstreamFailureIT"),
            registry.url(),
            stoppedExecution,
            approval.url());
    properties.put("micronaut.http.services.approval.read-timeout", "1s");
    gateway = RunningGateway.start(properties);
  }

  @AfterAll
  void stop() {
    gateway.close();
    registry.close();
    approval.close();
  }

  @Test
  void aStoppedUpstreamIsABadGatewayProblemNamingIt() {
    HttpResponse<String> response =
        gateway.get("/v1/runs/r1", tokens.user("acme", "alice", "viewer"));

    assertThat(response.statusCode()).isEqualTo(502);
    assertProblem(response, "bad-gateway", "execution");
  }

  @Test
  void anUpstreamSlowerThanTheReadTimeoutIsAGatewayTimeoutProblemNamingIt() {
    HttpResponse<String> response =
        gateway.get("/v1/approvals/slow", tokens.user("acme", "alice", "viewer"));

    assertThat(response.statusCode()).isEqualTo(504);
    assertProblem(response, "gateway-timeout", "approval");
  }

  @Test
  void healthIsDownAndNamesTheStoppedUpstreamForAnAuthenticatedCaller() {
    HttpResponse<String> anonymous = gateway.get("/health", null);
    HttpResponse<String> detailed = gateway.get("/health", tokens.user("ops", "olga", "admin"));

    assertThat(anonymous.statusCode()).isEqualTo(503);
    assertThat(detailed.statusCode()).isEqualTo(503);
    assertThat(detailed.body())
        .contains("\"upstream-execution\":{\"name\":\"gateway\",\"status\":\"DOWN\"")
        .contains("\"upstream-registry\":{\"name\":\"gateway\",\"status\":\"UP\"")
        .contains("\"upstream-approval\":{\"name\":\"gateway\",\"status\":\"UP\"");
  }

  @Test
  void readinessIsDownWithTheStoppedUpstreamWhileLivenessStaysUp() {
    HttpResponse<String> readiness =
        gateway.get("/health/readiness", tokens.user("ops", "olga", "admin"));

    assertThat(readiness.statusCode()).isEqualTo(503);
    assertThat(readiness.body())
        .contains("\"upstream-execution\":{\"name\":\"gateway\",\"status\":\"DOWN\"")
        .contains("\"upstream-registry\":{\"name\":\"gateway\",\"status\":\"UP\"");
    assertThat(gateway.get("/health/readiness", null).statusCode()).isEqualTo(503);
    assertThat(gateway.get("/health/liveness", null).statusCode()).isEqualTo(200);
  }

  private static void assertProblem(HttpResponse<String> response, String slug, String upstream) {
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
    assertThat(response.body())
        .contains("\"type\":\"https://agentplane.dev/problems/" + slug + "\"")
        .contains("The " + upstream + " service")
        .doesNotContain("Exception")
        .doesNotContain("io.netty");
  }
}
