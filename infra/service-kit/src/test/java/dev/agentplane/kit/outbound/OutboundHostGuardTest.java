package dev.agentplane.kit.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SSRF rule on hosts as written, and on the addresses a name resolves to. */
class OutboundHostGuardTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "localhost",
        "LocalHost.",
        "db.localhost",
        "metadata.google.internal",
        "metadata",
        "127.0.0.1",
        "127.255.255.254",
        "0.0.0.0",
        "10.20.30.40",
        "172.31.255.255",
        "192.168.0.1",
        "169.254.169.254",
        "100.100.100.200",
        "224.0.0.251",
        "255.255.255.255",
        "127.1",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "2130706433",
        "017700000001",
        "08.1.2.3",
        "[::1]",
        "::1",
        "[0:0:0:0:0:0:0:1]",
        "[::]",
        "[fe80::1%25en0]",
        "[FEC0::1]",
        "[fc00::1]",
        "[fd12:3456:789a::1]",
        "[ff02::fb]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.0.0.1]",
        "[::ffff:a9fe:a9fe]",
        "[::127.0.0.1]",
        "[64:ff9b::169.254.169.254]",
        "[2002:c0a8:0101::1]",
        "[1:2:3]"
      })
  void aHostThatReachesThisMachineThePrivateNetworkOrMetadataIsRefused(String host) {
    assertThat(OutboundHostGuard.judge(host, List.of()))
        .isInstanceOf(OutboundHostGuard.Verdict.Refused.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api.weather.example",
        "localhost.example.com",
        "metadata.example.com",
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",
        "192.169.0.1",
        "100.128.0.1",
        "[2001:4860:4860::8888]",
        "[::ffff:8.8.8.8]",
        "[2002:0808:0808::1]",
        "123.example"
      })
  void aPublicHostIsAllowed(String host) {
    assertThat(OutboundHostGuard.judge(host, List.of()))
        .isInstanceOf(OutboundHostGuard.Verdict.Allowed.class);
  }

  @Test
  void anAllowlistedHostIsAllowedWhateverItsCaseOrBrackets() {
    assertThat(OutboundHostGuard.judge("Intranet.Localhost", List.of("intranet.localhost")))
        .isInstanceOf(OutboundHostGuard.Verdict.Allowed.class);
    assertThat(OutboundHostGuard.judge("[fd00::5]", List.of("FD00::5")))
        .isInstanceOf(OutboundHostGuard.Verdict.Allowed.class);
  }

  @Test
  void theRefusalSaysWhichRangeTheAddressIsIn() {
    assertThat(OutboundHostGuard.judge("[::ffff:169.254.169.254]", List.of()))
        .isEqualTo(
            new OutboundHostGuard.Verdict.Refused(
                "[0:0:0:0:0:ffff:a9fe:a9fe] embeds 169.254.169.254, which is a link-local address"
                    + " (169.254.0.0/16, where cloud metadata services live)"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "10.1.2.3",
        "100.64.0.1",
        "169.254.169.254",
        "fd00:ec2::254",
        "fe80::1",
        "ff02::1",
        "::1"
      })
  void aPublicLookingNameThatResolvesToAPrivateAddressIsRefused(String address) {
    OutboundHostGuard.Verdict verdict =
        OutboundHostGuard.judgeResolved(
            "hooks.example.com", List.of(), host -> new InetAddress[] {literal(address)});

    assertThat(verdict).isInstanceOf(OutboundHostGuard.Verdict.Refused.class);
    assertThat(((OutboundHostGuard.Verdict.Refused) verdict).reason())
        .startsWith("'hooks.example.com' resolves to a refused address: it is ")
        // The reason reaches tenants; the internal address the name resolves to must not.
        .doesNotContain(address)
        .doesNotContain(literal(address).getHostAddress());
  }

  @Test
  void oneRefusedAddressAmongPublicOnesIsEnoughToRefuse() {
    assertThat(
            OutboundHostGuard.judgeResolved(
                "hooks.example.com",
                List.of(),
                host -> new InetAddress[] {literal("93.184.216.34"), literal("10.0.0.7")}))
        .isInstanceOf(OutboundHostGuard.Verdict.Refused.class);
  }

  @Test
  void aNameResolvingOnlyToPublicAddressesIsAllowed() {
    assertThat(
            OutboundHostGuard.judgeResolved(
                "hooks.example.com",
                List.of(),
                host -> new InetAddress[] {literal("93.184.216.34"), literal("2606:2800::1")}))
        .isInstanceOf(OutboundHostGuard.Verdict.Allowed.class);
  }

  @Test
  void anAllowlistedNameIsNeverResolvedAndARefusedLiteralNeedsNoResolution() {
    OutboundHostGuard.HostResolver failing =
        host -> {
          throw new AssertionError("resolved " + host);
        };

    assertThat(
            OutboundHostGuard.judgeResolved(
                "Receiver.Internal", List.of("receiver.internal"), failing))
        .isInstanceOf(OutboundHostGuard.Verdict.Allowed.class);
    assertThat(OutboundHostGuard.judgeResolved("169.254.169.254", List.of(), failing))
        .isInstanceOf(OutboundHostGuard.Verdict.Refused.class);
    assertThat(OutboundHostGuard.judgeResolved("8.8.8.8", List.of(), failing))
        .isInstanceOf(OutboundHostGuard.Verdict.Allowed.class);
  }

  @Test
  void aNameThatDoesNotResolveIsUnresolvedNotAllowed() {
    assertThat(
            OutboundHostGuard.judgeResolved(
                "nowhere.example",
                List.of(),
                host -> {
                  throw new UnknownHostException(host);
                }))
        .isEqualTo(new OutboundHostGuard.Verdict.Unresolved("'nowhere.example' does not resolve"));
  }

  private static InetAddress literal(String address) {
    try {
      return InetAddress.getByName(address); // a literal: parsed, never looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(address, e);
    }
  }
}
