package dev.agentplane.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The console's origin may call the API from a browser; no other origin may. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorsIT {

  private static final String CONSOLE = "https://console.agentplane.test";

  private StubUpstream upstream;
  private RunningGateway gateway;

  @BeforeAll
  void start() {
    upstream = StubUpstream.start("registry");
    Map<String, Object> properties =
        RunningGateway.properties(
            TestPostgres.get().createDatabase("CorsIT"),
            upstream.url(),
            upstream.url(),
            upstream.url());
    properties.put("agentplane.gateway.cors.allowed-origins", CONSOLE);
    gateway = RunningGateway.start(properties);
  }

  @AfterAll
  void stop() {
    gateway.close();
    upstream.close();
  }

  @Test
  void aPreflightFromTheConsoleIsAllowedWithoutAToken() {
    HttpResponse<String> response = gateway.send(preflight(CONSOLE));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(CONSOLE);
    assertThat(response.headers().firstValue("Access-Control-Allow-Methods"))
        .hasValueSatisfying(methods -> assertThat(methods).contains("POST"));
    assertThat(response.headers().firstValue("Access-Control-Allow-Headers"))
        .hasValueSatisfying(headers -> assertThat(headers).contains("Authorization"));
  }

  @Test
  void aPreflightFromAnyOtherOriginIsRefused() {
    HttpResponse<String> response = gateway.send(preflight("https://evil.example"));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void anActualRequestFromTheConsoleMayReadTheAnswerAndOthersMayNot() {
    String token = TestTokens.standard().user("acme", "alice", "viewer");
    HttpResponse<String> console =
        gateway.send(gateway.request("/v1/agents/a1", token).header("Origin", CONSOLE).GET());
    HttpResponse<String> other =
        gateway.send(
            gateway.request("/v1/agents/a1", token).header("Origin", "https://evil.example").GET());

    assertThat(console.headers().firstValue("Access-Control-Allow-Origin")).hasValue(CONSOLE);
    assertThat(console.headers().firstValue("Access-Control-Expose-Headers"))
        .hasValueSatisfying(exposed -> assertThat(exposed).contains("X-Request-Id"));
    assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  private HttpRequest.Builder preflight(String origin) {
    return gateway
        .request("/v1/agents", null)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, content-type")
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody());
  }
}
