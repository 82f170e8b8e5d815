package dev.agentplane.kit.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

  /**
   * Every range of the rule, with the addresses at both edges inside it and the neighbours just
   * outside it, judged twice: written as a literal, and as the one address a name resolves to. The
   * expected kind is what the refusal says (empty: allowed).
   */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      nullValues = "-",
      value = {
        // 0.0.0.0/8 unspecified
        "0.0.0.0, unspecified",
        "0.255.255.255, unspecified",
        "1.0.0.0, -",
        // 10.0.0.0/8 private
        "9.255.255.255, -",
        "10.0.0.0, private",
        "10.255.255.255, private",
        "11.0.0.0, -",
        // 100.64.0.0/10 carrier-grade NAT
        "100.63.255.255, -",
        "100.64.0.0, carrier-grade NAT",
        "100.127.255.255, carrier-grade NAT",
        "100.128.0.0, -",
        // 127.0.0.0/8 loopback
        "126.255.255.255, -",
        "127.0.0.0, loopback",
        "127.255.255.255, loopback",
        "128.0.0.0, -",
        // 169.254.0.0/16 link-local
        "169.253.255.255, -",
        "169.254.0.0, link-local",
        "169.254.255.255, link-local",
        "169.255.0.0, -",
        // 172.16.0.0/12 private
        "172.15.255.255, -",
        "172.16.0.0, private",
        "172.31.255.255, private",
        "172.32.0.0, -",
        // 192.168.0.0/16 private
        "192.167.255.255, -",
        "192.168.0.0, private",
        "192.168.255.255, private",
        "192.169.0.0, -",
        // 224.0.0.0/4 multicast, then 240.0.0.0/4 reserved up to broadcast
        "223.255.255.255, -",
        "224.0.0.0, multicast",
        "239.255.255.255, multicast",
        "240.0.0.0, reserved",
        "255.255.255.255, reserved",
        // ::1 loopback, :: unspecified
        "::, unspecified",
        "::1, loopback",
        // fc00::/7 unique local
        "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, -",
        "fc00::, unique local",
        "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, unique local",
        "fe00::, -",
        // fe80::/10 link-local
        "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff, -",
        "fe80::, link-local",
        "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff, link-local",
        // ff00::/8 multicast
        "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, site-local",
        "ff00::, multicast",
        // ::ffff:0:0/96 IPv4-mapped: judged by the IPv4 address
        "::ffff:126.255.255.255, -",
        "::ffff:127.0.0.1, loopback",
        "::ffff:9.255.255.255, -",
        "::ffff:10.0.0.0, private",
        "::ffff:172.31.255.255, private",
        "::ffff:192.168.0.0, private",
        "::ffff:169.254.169.254, link-local",
        "::ffff:100.64.0.0, carrier-grade NAT",
        "::ffff:0.0.0.0, unspecified",
        "::ffff:8.8.8.8, -",
        "::fffe:7f00:1, -",
        // public neighbours far from every range
        "8.8.8.8, -",
        "2001:4860:4860::8888, -"
      })
  void everyRangeIsRefusedUpToItsEdgesAndNotBeyond(String address, String kind) {
    String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    InetAddress resolved = literal(address);

    OutboundHostGuard.Verdict asWritten = OutboundHostGuard.judge(host, List.of());
    OutboundHostGuard.Pinning asResolved =
        OutboundHostGuard.pin("svc.example", List.of(), name -> new InetAddress[] {resolved});

    if (kind == null) {
      assertThat(asWritten).isInstanceOf(OutboundHostGuard.Verdict.Allowed.class);
      assertThat(asResolved).isEqualTo(new OutboundHostGuard.Pinning.Pinned(resolved));
    } else {
      assertThat(asWritten).isInstanceOf(OutboundHostGuard.Verdict.Refused.class);
      assertThat(((OutboundHostGuard.Verdict.Refused) asWritten).reason()).contains(kind);
      assertThat(asResolved).isInstanceOf(OutboundHostGuard.Pinning.Refused.class);
      String reason = ((OutboundHostGuard.Pinning.Refused) asResolved).reason();
      assertThat(reason)
          .startsWith("'svc.example' resolves to a refused address: it is ")
          .contains(kind);
      // The range in parentheses may start with the address itself; the rest must not name it.
      assertThat(reason.replaceAll("\\([^)]*\\)", "")).doesNotContain(resolved.getHostAddress());
    }
  }

  @ParameterizedTest
  @CsvSource({
    "2130706433, 127.0.0.1 is a loopback address",
    "127.1, 127.0.0.1 is a loopback address",
    "0x7f.1, 127.0.0.1 is a loopback address",
    "017700000001, 127.0.0.1 is a loopback address",
    "0x7f000001, 127.0.0.1 is a loopback address",
    "0177.0.0.1, 127.0.0.1 is a loopback address",
    "10.1, 10.0.0.1 is a private address",
    "0xa9fea9fe, 169.254.169.254 is a link-local address",
    "2852039166, 169.254.169.254 is a link-local address"
  })
  void shorthandAndNumericIpv4SpellingsAreJudgedAsTheAddressesTheyMean(String host, String reason) {
    assertThat(OutboundHostGuard.judge(host, List.of()))
        .isInstanceOfSatisfying(
            OutboundHostGuard.Verdict.Refused.class,
            refused -> assertThat(refused.reason()).startsWith(reason));
  }

  @Test
  void pinningResolvesOnceAndConnectsToTheFirstAnswer() {
    AtomicInteger lookups = new AtomicInteger();
    OutboundHostGuard.HostResolver rebinding =
        name ->
            lookups.getAndIncrement() == 0
                ? new InetAddress[] {literal("93.184.216.34"), literal("93.184.216.35")}
                : new InetAddress[] {literal("127.0.0.1")};

    assertThat(OutboundHostGuard.pin("hooks.example.com", List.of(), rebinding))
        .isEqualTo(new OutboundHostGuard.Pinning.Pinned(literal("93.184.216.34")));
    assertThat(lookups).hasValue(1);
    // The next call looks again, and is judged again: the rebound answer is refused.
    assertThat(OutboundHostGuard.pin("hooks.example.com", List.of(), rebinding))
        .isInstanceOf(OutboundHostGuard.Pinning.Refused.class);
  }

  @Test
  void anAllowlistedNameIsPinnedToWhatItResolvesToWithoutJudgingIt() {
    assertThat(
            OutboundHostGuard.pin(
                "Model.Cluster.Internal",
                List.of("model.cluster.internal"),
                name -> new InetAddress[] {literal("10.0.0.7")}))
        .isEqualTo(new OutboundHostGuard.Pinning.Pinned(literal("10.0.0.7")));
    assertThat(OutboundHostGuard.pin("127.1", List.of("127.1"), name -> new InetAddress[0]))
        .isEqualTo(new OutboundHostGuard.Pinning.Pinned(literal("127.0.0.1")));
  }

  private static InetAddress literal(String address) {
    try {
      return InetAddress.getByName(address); // a literal: parsed, never looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(address, e);
    }
  }
}
