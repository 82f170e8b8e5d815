package dev.agentplane.approval.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which URLs a tenant may subscribe, with DNS answered by the test. */
class WebhookUrlPolicyTest {

  private static final Map<String, String> DNS =
      Map.of(
          "hooks.example.com", "93.184.216.34",
          "rebound.example.com", "10.1.2.3",
          "imds.example.com", "169.254.169.254",
          "internal.example.com", "192.168.7.7");

  private static WebhookUrlPolicy policy(boolean requireHttps, List<String> allowedHosts) {
    WebhookSettings settings =
        new WebhookSettings(
            null,
            null,
            null,
            requireHttps,
            allowedHosts,
            List.of(8443),
            Duration.ofHours(24),
            List.of(Duration.ofSeconds(5)),
            Duration.ofSeconds(5),
            Duration.ofSeconds(15),
            16,
            Duration.ofSeconds(1),
            true);
    return new WebhookUrlPolicy(
        settings,
        List.of(new WebhookUrlPolicy.TenantHosts("acme", List.of("internal.example.com"))),
        host -> {
          String address = DNS.get(host);
          if (address == null) {
            throw new UnknownHostException(host);
          }
          return new InetAddress[] {InetAddress.getByName(address)};
        });
  }

  @Test
  void aPublicHttpsUrlIsAccepted() {
    assertThat(policy(true, List.of()).refusalOf("t1", "https://hooks.example.com/agentplane"))
        .isEmpty();
  }

  @Test
  void plainHttpIsRefusedUnlessHttpsIsNotRequired() {
    assertThat(policy(true, List.of()).refusalOf("t1", "http://hooks.example.com/"))
        .hasValueSatisfying(reason -> assertThat(reason).contains("https"));
    assertThat(policy(false, List.of()).refusalOf("t1", "http://hooks.example.com/")).isEmpty();
  }

  @Test
  void aNameResolvingToAPrivateOrMetadataAddressIsRefusedWithoutNamingTheAddress() {
    WebhookUrlPolicy policy = policy(true, List.of());

    // The reason reaches the tenant (a 422): it names the kind of address, never the address,
    // which would map the platform's internal DNS for anyone who can subscribe a webhook.
    assertThat(policy.refusalOf("t1", "https://rebound.example.com/"))
        .hasValueSatisfying(
            reason -> assertThat(reason).contains("private").doesNotContain("10.1.2.3"));
    assertThat(policy.refusalOf("t1", "https://imds.example.com/"))
        .hasValueSatisfying(
            reason -> assertThat(reason).contains("link-local").doesNotContain("169.254.169.254"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://127.1/hooks",
        "https://0x7f.1/hooks",
        "https://2130706433/hooks",
        "https://017700000001/hooks",
        "https://127.0.0.1./hooks",
        "https://[::ffff:127.0.0.1]/hooks"
      })
  void everySpellingOfLoopbackIsRefusedAsLoopbackNotAsAUrlWithoutHost(String url) {
    assertThat(policy(true, List.of()).refusalOf("t1", url))
        .hasValueSatisfying(reason -> assertThat(reason).contains("loopback", "allowlist"));
  }

  @Test
  void onlyTheStandardAndConfiguredPortsAreAcceptedExceptForAllowlistedHosts() {
    WebhookUrlPolicy policy = policy(true, List.of("localhost"));

    assertThat(policy.refusalOf("t1", "https://hooks.example.com:8443/")).isEmpty();
    assertThat(policy.refusalOf("t1", "https://hooks.example.com:6379/"))
        .hasValueSatisfying(reason -> assertThat(reason).contains("port 6379", "allowed-ports"));
    assertThat(policy.refusalOf("t1", "https://localhost:6379/")).isEmpty();
  }

  @Test
  void aNameThatDoesNotResolveIsRefused() {
    assertThat(policy(true, List.of()).refusalOf("t1", "https://nowhere.example.com/"))
        .hasValue("'nowhere.example.com' does not resolve");
  }

  @Test
  void allowlistsApplyGloballyOrToTheirTenantOnly() {
    WebhookUrlPolicy policy = policy(true, List.of("rebound.example.com"));

    assertThat(policy.refusalOf("t1", "https://rebound.example.com/")).isEmpty();
    assertThat(policy.refusalOf("acme", "https://internal.example.com/")).isEmpty();
    assertThat(policy.refusalOf("t1", "https://internal.example.com/")).isPresent();
  }

  @Test
  void credentialsFragmentsAndOverlongUrlsAreRefused() {
    WebhookUrlPolicy policy = policy(true, List.of());

    assertThat(policy.refusalOf("t1", "https://u:p@hooks.example.com/")).isPresent();
    assertThat(policy.refusalOf("t1", "https://hooks.example.com/#x")).isPresent();
    assertThat(policy.refusalOf("t1", "https://hooks.example.com/" + "a".repeat(2048))).isPresent();
    assertThat(policy.refusalOf("t1", "https:///nohost")).isPresent();
  }
}
