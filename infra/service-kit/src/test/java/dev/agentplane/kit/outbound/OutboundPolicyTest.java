package dev.agentplane.kit.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentplane.kit.outbound.OutboundHostGuard.HostResolver;
import dev.agentplane.kit.outbound.RefusedTargetException.Reason;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which URLs are called, on which port, pinned to which address. */
class OutboundPolicyTest {

  private static final HostResolver PUBLIC = name -> new InetAddress[] {address("93.184.216.34")};

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.1/admin",
        "http://0x7f.1/admin",
        "http://2130706433/admin",
        "http://017700000001/admin",
        "http://127.0.0.1./admin",
        "http://user@127.1:80/admin",
        "https://0x7f000001/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost/"
      })
  void everySpellingOfLoopbackIsRefusedAsLoopback(String url) {
    assertThatThrownBy(() -> policy(PUBLIC).target(URI.create(url)))
        .isInstanceOfSatisfying(
            RefusedTargetException.class,
            refused -> {
              assertThat(refused.reason()).isEqualTo(Reason.HOST_NOT_ALLOWED);
              assertThat(refused.getMessage()).contains("loopback");
            });
  }

  @ParameterizedTest
  @CsvSource({
    "http://api.example/, 80",
    "https://api.example/, 443",
    "http://api.example:80/, 80",
    "https://api.example:443/x, 443",
    "https://api.example:8443/x, 8443"
  })
  void theStandardPortsAndConfiguredOnesAreCalled(String url, int port) {
    assertThat(policy(PUBLIC).target(URI.create(url)).port()).isEqualTo(port);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"http://api.example:22/", "https://api.example:6379/", "http://api.example:8080/"})
  void otherPortsAreRefused(String url) {
    assertThatThrownBy(() -> policy(PUBLIC).target(URI.create(url)))
        .isInstanceOfSatisfying(
            RefusedTargetException.class,
            refused -> {
              assertThat(refused.reason()).isEqualTo(Reason.PORT_NOT_ALLOWED);
              assertThat(refused.getMessage()).contains("[80, 443, 8443]");
            });
  }

  @Test
  void aRefusedHostIsReportedAsSuchWhateverItsPortAndWithoutALookup() {
    assertThatThrownBy(
            () ->
                policy(
                        name -> {
                          throw new AssertionError("looked up " + name);
                        })
                    .target(URI.create("http://127.0.0.1:35315/")))
        .isInstanceOfSatisfying(
            RefusedTargetException.class,
            refused -> {
              assertThat(refused.reason()).isEqualTo(Reason.HOST_NOT_ALLOWED);
              assertThat(refused.getMessage()).contains("127.0.0.1 is a loopback address");
            });
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://api.example/", "file:///etc/passwd", "gopher://api.example:70/"})
  void onlyHttpAndHttpsAreCalled(String url) {
    assertThatThrownBy(() -> policy(PUBLIC).target(URI.create(url)))
        .isInstanceOfSatisfying(
            RefusedTargetException.class,
            refused -> assertThat(refused.reason()).isEqualTo(Reason.INVALID_URL));
  }

  @Test
  void anAllowlistedHostMayUseAnyPortAndAPrivateAddress() {
    OutboundPolicy policy =
        OutboundPolicy.of(
            List.of(),
            List.of("127.0.0.1", "model.internal"),
            name -> new InetAddress[] {address("10.1.2.3")});

    assertThat(policy.target(URI.create("http://127.0.0.1:5000/x")).address())
        .isEqualTo(address("127.0.0.1"));
    assertThat(policy.target(URI.create("http://Model.Internal:11434/v1")).address())
        .isEqualTo(address("10.1.2.3"));
  }

  @Test
  void aNameIsResolvedOnceAndTheTargetConnectsToThatAnswer() {
    AtomicInteger lookups = new AtomicInteger();
    HostResolver rebinding =
        name ->
            new InetAddress[] {
              address(lookups.getAndIncrement() == 0 ? "93.184.216.34" : "127.0.0.1")
            };

    OutboundTarget target =
        policy(rebinding).target(URI.create("https://API.example:8443/v1/x?q=a%20b"));

    assertThat(lookups).hasValue(1);
    assertThat(target.connectUri())
        .isEqualTo(URI.create("https://93.184.216.34:8443/v1/x?q=a%20b"));
    assertThat(target.hostHeader()).isEqualTo("api.example:8443");
    assertThat(target.serverName()).contains("api.example");
    assertThat(target.origin()).isEqualTo("https://api.example:8443");
  }

  @Test
  void anIpv6AddressIsConnectedToInBracketsAndTheDefaultPortIsLeftOutOfHost() {
    OutboundTarget target =
        policy(name -> new InetAddress[] {address("2606:2800:220:1::1")})
            .target(URI.create("https://api.example/"));

    assertThat(target.connectUri()).isEqualTo(URI.create("https://[2606:2800:220:1:0:0:0:1]:443/"));
    assertThat(target.hostHeader()).isEqualTo("api.example");
  }

  @Test
  void redactionReplacesThePinnedAddressInClientErrors() {
    OutboundTarget target = policy(PUBLIC).target(URI.create("https://api.example/"));

    assertThat(target.redact("No subject alternative names matching IP address 93.184.216.34"))
        .isEqualTo(
            "No subject alternative names matching IP address (the address api.example resolves"
                + " to)");
  }

  @Test
  void aNameThatDoesNotResolveIsRefusedAsUnresolved() {
    assertThatThrownBy(
            () ->
                policy(
                        name -> {
                          throw new UnknownHostException(name);
                        })
                    .target(URI.create("https://nowhere.example/")))
        .isInstanceOfSatisfying(
            RefusedTargetException.class,
            refused -> assertThat(refused.reason()).isEqualTo(Reason.UNRESOLVED));
  }

  private static OutboundPolicy policy(HostResolver resolver) {
    return OutboundPolicy.of(List.of(8443), List.of(), resolver);
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }
}
