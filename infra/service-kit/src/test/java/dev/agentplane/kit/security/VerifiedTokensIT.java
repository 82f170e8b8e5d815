package dev.agentplane.kit.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Verified tokens are remembered: the next request with the same token is authenticated without the
 * signature and claim checks, yet a remembered token still stops working at its {@code exp}, and
 * tokens that failed a check are never remembered. The service runs with no clock skew, so expiry
 * is exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifiedTokensIT implements RealInfrastructure {

  private final TestTokens tokens = TestTokens.standard();
  private EmbeddedServer service;
  private MeterRegistry meters;

  @BeforeAll
  void startService() {
    Map<String, Object> properties = new HashMap<>(getProperties());
    properties.put("micronaut.server.port", -1);
    properties.put("agentplane.jwt.clock-skew", "0s");
    service = ApplicationContext.run(EmbeddedServer.class, properties);
    meters = service.getApplicationContext().getBean(MeterRegistry.class);
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.getApplicationContext().close();
    }
  }

  @Test
  void theSecondRequestWithAVerifiedTokenIsAuthenticatedFromMemory() throws Exception {
    String token = tokens.user("acme", "alice-" + System.nanoTime(), "viewer");
    double hitsBefore = gets("hit");
    double missesBefore = gets("miss");

    // An authenticated caller on a path nobody serves gets 404; an anonymous one would get 401.
    assertThat(statusWith(token)).isEqualTo(404);
    assertThat(gets("miss")).isEqualTo(missesBefore + 1);
    assertThat(statusWith(token)).isEqualTo(404);
    assertThat(statusWith(token)).isEqualTo(404);

    assertThat(gets("hit")).isEqualTo(hitsBefore + 2);
    assertThat(gets("miss")).isEqualTo(missesBefore + 1);
  }

  @Test
  void aRememberedTokenStopsWorkingAtItsExpiry() throws Exception {
    // Whole seconds, as exp carries it, so the expiry here is the one the service checks; and far
    // enough off that both requests below come before it on a loaded machine.
    Instant expiry = Instant.now().plusSeconds(5).truncatedTo(ChronoUnit.SECONDS);
    String token =
        tokens.custom(
            claims ->
                TestTokens.adminClaims("acme", "short-lived-" + System.nanoTime())
                    .expirationTime(Date.from(expiry)));
    assertThat(statusWith(token)).isEqualTo(404);
    assertThat(statusWith(token)).as("remembered").isEqualTo(404);

    await("the token to expire")
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> statusWith(token) == 401);
    assertThat(Instant.now()).isAfterOrEqualTo(expiry);
  }

  @Test
  void tokensThatFailACheckAreNeverRemembered() throws Exception {
    double sizeBefore = cacheSize();
    for (String refused :
        new String[] {
          tokens.badSignature("acme"),
          tokens.expired("acme"),
          tokens.wrongAudience("acme"),
          tokens.withoutTenant(),
          tokens.algNone("acme")
        }) {
      assertThat(statusWith(refused)).isEqualTo(401);
      assertThat(statusWith(refused)).as("refused again, not remembered").isEqualTo(401);
    }
    assertThat(cacheSize()).isEqualTo(sizeBefore);
  }

  private double gets(String result) {
    var counter =
        meters
            .find("cache.gets")
            .tag("cache", CachingTokenAuthenticationFetcher.CACHE_NAME)
            .tag("result", result)
            .functionCounter();
    return counter == null ? 0 : counter.count();
  }

  private double cacheSize() {
    var gauge =
        meters
            .find("cache.size")
            .tag("cache", CachingTokenAuthenticationFetcher.CACHE_NAME)
            .gauge();
    return gauge == null ? 0 : gauge.value();
  }

  /** 404 when the token opens the service (an unknown route behind auth), 401 when it does not. */
  private int statusWith(String token) {
    return new ServiceApi(service.getURI()).get("/v1/nothing-here", token).status();
  }
}
