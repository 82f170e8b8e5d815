package dev.agentplane.kit.correlation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.TestTokens;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorrelationIT implements RealInfrastructure {

  private static final Argument<Map<String, String>> STRING_MAP =
      Argument.mapOf(String.class, String.class);

  private final String token = TestTokens.standard().user("acme", "alice", "viewer");

  @Inject
  @Client("/")
  HttpClient client;

  @Test
  void aWellFormedRequestIdIsKeptEchoedAndLogged() {
    HttpResponse<Map<String, String>> response =
        exchange(HttpRequest.GET("/correlation/mdc").header("X-Request-Id", "client-id-123"));

    assertThat(response.header("X-Request-Id")).isEqualTo("client-id-123");
    assertThat(response.body())
        .containsEntry("requestId", "client-id-123")
        .containsEntry("tenantId", "acme")
        .containsEntry("subject", "alice");
  }

  @Test
  void aMissingOrMalformedRequestIdIsReplacedByAFreshOne() {
    String missing = exchange(HttpRequest.GET("/correlation/mdc")).header("X-Request-Id");
    String malformed =
        exchange(HttpRequest.GET("/correlation/mdc").header("X-Request-Id", "bad id\twith spaces"))
            .header("X-Request-Id");

    assertThat(missing).isNotBlank();
    assertThat(malformed).isNotBlank().isNotEqualTo("bad id\twith spaces").isNotEqualTo(missing);
  }

  @Test
  void aTraceparentIsPassedThroughOrStarted() {
    String incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    Map<String, String> passed =
        exchange(HttpRequest.GET("/correlation/mdc").header("traceparent", incoming)).body();
    Map<String, String> started = exchange(HttpRequest.GET("/correlation/mdc")).body();

    assertThat(passed).containsEntry("traceparent", incoming);
    assertThat(Correlation.isValidTraceparent(started.get("traceparent"))).isTrue();
  }

  @Test
  void outgoingHttpCallsCarryTheRequestIdAndTraceparent() {
    String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    Map<String, String> seenDownstream =
        exchange(
                HttpRequest.GET("/correlation/forward")
                    .header("X-Request-Id", "forward-me")
                    .header("traceparent", traceparent))
            .body();

    assertThat(seenDownstream)
        .containsEntry("requestId", "forward-me")
        .containsEntry("traceparent", traceparent);
  }

  private HttpResponse<Map<String, String>> exchange(
      io.micronaut.http.MutableHttpRequest<?> request) {
    return client.toBlocking().exchange(request.bearerAuth(token), STRING_MAP);
  }
}
