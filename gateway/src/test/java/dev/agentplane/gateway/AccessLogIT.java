package dev.agentplane.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The access log (logger {@code agentplane.gateway.access}) as written: one line per request with
 * the request id the caller got back, who asked, where it went, how it ended and how long it took;
 * never a token. The execution upstream is stopped (for a 502).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessLogIT {

  private static final String ACCESS_LOGGER = "agentplane.gateway.access";
  private static final String MILLIS = "\\d+\\.\\d{2}";

  private final TestTokens tokens = TestTokens.standard();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private Logger accessLogger;
  private Level previousLevel;
  private StubUpstream registry;
  private StubUpstream approval;
  private RunningGateway gateway;

  @BeforeAll
  void start() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    accessLogger = context.getLogger(ACCESS_LOGGER);
    previousLevel = accessLogger.getLevel();
    accessLogger.setLevel(Level.INFO);
    appender.setContext(context);
    appender.start();
    accessLogger.addAppender(appender);

    registry = StubUpstream.start("registry");
    approval = StubUpstream.start("approval");
    String stoppedExecution = StubUpstream.urlOfAStoppedUpstream("execution");
    gateway =
        RunningGateway.start(
            RunningGateway.properties(
                TestPostgres.get().createDatabase("AccessLogIT"),
                registry.url(),
                stoppedExecution,
                approval.url()));
  }

  @AfterAll
  void stop() {
    gateway.close();
    registry.close();
    approval.close();
    accessLogger.detachAppender(appender);
    accessLogger.setLevel(previousLevel);
    appender.stop();
  }

  @Test
  void aRoutedRequestIsOneLineWithItsIdTenantSubjectRouteStatusAndBothLatencies() {
    String tenant = tenant();
    HttpResponse<String> response =
        gateway.get("/v1/agents/a1", tokens.user(tenant, "alice", "viewer"));
    assertThat(response.statusCode()).isEqualTo(200);

    String line = onlyLineFor(requestId(response));

    Matcher fields =
        Pattern.compile(
                "request_id="
                    + Pattern.quote(requestId(response))
                    + " tenant="
                    + Pattern.quote(tenant)
                    + " subject=alice method=GET path=/v1/agents/a1 route=registry status=200"
                    + " upstream_ms=("
                    + MILLIS
                    + ") total_ms=("
                    + MILLIS
                    + ")")
            .matcher(line);
    assertThat(fields.matches()).as(line).isTrue();
    assertThat(Double.parseDouble(fields.group(1)))
        .isLessThanOrEqualTo(Double.parseDouble(fields.group(2)));
  }

  @Test
  void anUpstreamErrorAndAnUnreachableUpstreamAreLoggedWithTheirStatusAndUpstreamLatency() {
    String tenant = tenant();
    String token = tokens.user(tenant, "alice", "viewer");
    HttpResponse<String> missing = gateway.get("/v1/agents/missing", token);
    HttpResponse<String> unreachable = gateway.get("/v1/runs/r1", token);

    assertThat(onlyLineFor(requestId(missing)))
        .contains("tenant=" + tenant + " subject=alice")
        .contains("route=registry status=404")
        .containsPattern("upstream_ms=" + MILLIS + " total_ms=" + MILLIS + "$");
    assertThat(onlyLineFor(requestId(unreachable)))
        .contains("route=execution status=502")
        .containsPattern("upstream_ms=" + MILLIS + " total_ms=" + MILLIS + "$");
  }

  @Test
  void aRequestRefusedBeforeRoutingIsLoggedForNobodyWithoutUpstreamLatency() {
    HttpResponse<String> response = gateway.get("/v1/agents/a1", null);
    assertThat(response.statusCode()).isEqualTo(401);

    assertThat(onlyLineFor(requestId(response)))
        .matches(
            "request_id=\\S+ tenant=- subject=- method=GET path=/v1/agents/a1 route=gateway"
                + " status=401 upstream_ms=- total_ms="
                + MILLIS);
  }

  @Test
  void noTokenEverAppearsInTheAccessLogWhereverTheCallerPutIt() {
    String valid = tokens.user(tenant(), "alice", "viewer");
    String forged = tokens.badSignature(tenant());
    List<String> requestIds =
        List.of(
            requestId(gateway.get("/v1/agents/a1", valid)),
            requestId(gateway.get("/v1/agents/a1", forged)),
            requestId(gateway.get("/v1/agents/a1?access_token=" + valid, null)),
            requestId(gateway.get("/v1/runs/r1", valid)));

    for (String requestId : requestIds) {
      onlyLineFor(requestId);
    }
    for (String line : lines()) {
      for (String token : List.of(valid, forged)) {
        assertThat(line).doesNotContain(token).doesNotContain(signatureOf(token));
      }
      assertThat(line).doesNotContainIgnoringCase("bearer");
    }
  }

  @Test
  void aOneTimeActionLinkIsLoggedWithItsTokenRedacted() {
    String linkToken = "eyJsaW5rIjoiYXBwcm92ZSJ9.c2VjcmV0LWxpbmstc2lnbmF0dXJl";
    HttpResponse<String> response =
        gateway.get("/v1/webhooks/inbound/acme/links/" + linkToken, null);
    assertThat(response.statusCode()).isEqualTo(200);

    assertThat(onlyLineFor(requestId(response)))
        .contains("tenant=- subject=- method=GET path=/v1/webhooks/inbound/acme/links/[redacted]")
        .contains("route=approval status=200")
        .doesNotContain(linkToken);
  }

  /** The one access-log line carrying a request id, once it is written. */
  private String onlyLineFor(String requestId) {
    String marker = "request_id=" + requestId + " ";
    return await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> lines().stream().filter(line -> line.startsWith(marker)).toList(),
            found -> found.size() == 1)
        .getFirst();
  }

  private List<String> lines() {
    synchronized (appender.list) {
      return appender.list.stream()
          .filter(event -> event.getLevel() == Level.INFO)
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  private static String requestId(HttpResponse<String> response) {
    return response.headers().firstValue("X-Request-Id").orElseThrow();
  }

  private static String signatureOf(String token) {
    return token.substring(token.lastIndexOf('.') + 1);
  }

  private static String tenant() {
    return "tenant-" + UUID.randomUUID();
  }
}
